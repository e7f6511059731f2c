// The manifest loader against the real third-party manifests in
// scenarios/manifests: every set loads without errors, with the object counts
// read off the files by hand. Small inputs are in manifest_parser_test.cpp.
#include "models/kube/manifest_loader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "tests/models/kube/manifest_test_support.hpp"

namespace podwire::kube {
namespace {

using namespace manifest_test;
namespace fs = std::filesystem;

// --- every real manifest set ----------------------------------------------------------

// Each application, as its SOURCE.md says to load it (alternatives apart).
// Together they cover every YAML file under scenarios/manifests.
struct Application {
  std::string name;
  std::vector<std::string> paths;
  int warnings;  // what check_manifests rightly reports for it
};

const std::vector<Application>& applications() {
  static const std::vector<Application> apps = {
      {"online-boutique", {"online-boutique"}, 0},
      {"bookinfo",
       {"istio-bookinfo/base", "istio-bookinfo/istio-crds",
        "istio-bookinfo/variants/bookinfo-versions.yaml",
        "istio-bookinfo/variants/bookinfo-ratings-v2.yaml",
        "istio-bookinfo/variants/bookinfo-db.yaml"},
       0},
      {"bookinfo-nodeport", {"istio-bookinfo/variants/productpage-nodeport.yaml"}, 1},
      {"sock-shop", {"sock-shop"}, 0},
      {"gke-guestbook", {"gke-samples/guestbook-leader-follower"}, 0},
      {"gke-load-balancing", {"gke-samples/load-balancing-ingress"}, 0},
      {"ingress-nginx-cloud", {"ingress-nginx/cloud"}, 0},
      {"ingress-nginx-baremetal", {"ingress-nginx/baremetal"}, 0},
      {"guestbook", {"kubernetes-examples/guestbook"}, 0},
      {"guestbook-go", {"kubernetes-examples/guestbook-go"}, 0},
      {"cassandra", {"kubernetes-examples/cassandra"}, 0},
      {"tf-serving", {"kubernetes-examples/tf-serving-ingress"}, 0},
      {"service-access", {"kubernetes-website/service-access"}, 0},
      {"ingress-kyaml",
       {"kubernetes-website/ingress-kyaml"},
       4},  // service1, service2 are not defined
      {"nginx-secure-app", {"kubernetes-website/nginx-secure-app-kyaml"}, 0},
      {"pods-dns", {"kubernetes-website/pods-dns"}, 0},
      {"graceful-termination", {"kubernetes-website/graceful-termination"}, 0},
      // Each docs snippet stands alone; those with a selector select pods defined nowhere.
      {"externalname", {"kubernetes-website/service-types-docs/externalname.yaml"}, 0},
      {"nodeport-fixed", {"kubernetes-website/service-types-docs/nodeport-fixed.yaml"}, 1},
      {"loadbalancer-with-status",
       {"kubernetes-website/service-types-docs/loadbalancer-with-status.yaml"},
       1},
      {"multi-port", {"kubernetes-website/service-types-docs/multi-port.yaml"}, 1},
      {"external-ips", {"kubernetes-website/service-types-docs/external-ips.yaml"}, 1},
      {"selectorless",
       {"kubernetes-website/service-types-docs/selectorless-with-endpointslice.yaml"},
       0},
  };
  return apps;
}

TEST(RealManifests, EveryApplicationLoadsWithoutErrors) {
  for (const Application& app : applications()) {
    const Loaded l = load(app.paths);
    EXPECT_EQ(l.errors(), std::vector<std::string>{}) << app.name;
    EXPECT_EQ(l.warnings().size(), static_cast<std::size_t>(app.warnings))
        << app.name << "\n"
        << l.diagnostics.to_string();
    EXPECT_GT(l.set.object_count() + static_cast<std::size_t>(l.set.unknown_count()), 0u)
        << app.name;
  }
}

TEST(RealManifests, ApplicationsCoverEveryFile) {
  std::set<std::string> listed;
  for (const Application& app : applications()) {
    const Loaded l = load(app.paths);
    for (const std::string& f : l.set.files) listed.insert(f);
  }
  std::set<std::string> on_disk;
  for (const auto& e : fs::recursive_directory_iterator(manifests_root())) {
    const std::string ext = e.path().extension().string();
    if (e.is_regular_file() && (ext == ".yaml" || ext == ".yml"))
      on_disk.insert(e.path().generic_string());
  }
  EXPECT_EQ(on_disk.size(), 72u);
  EXPECT_EQ(listed, on_disk);
}

TEST(RealManifests, WholeFolderLoadsWithoutLoaderErrors) {
  Loaded l;
  l.set = load_manifests({manifests_root()}, l.diagnostics);  // no checks: the sets repeat names
  EXPECT_EQ(l.errors(), std::vector<std::string>{});
  EXPECT_EQ(l.warnings(), std::vector<std::string>{});
  EXPECT_EQ(l.set.files.size(), 72u);
  EXPECT_TRUE(std::is_sorted(l.set.files.begin(), l.set.files.end()));
}

TEST(RealManifests, OnlineBoutique) {
  const Loaded release = load({"online-boutique/kubernetes-manifests.yaml"});
  const ObjectSet& s = release.set;
  EXPECT_EQ(s.deployments.size(), 12u);
  EXPECT_EQ(s.services.size(), 12u);
  EXPECT_EQ(count_type(s, ServiceType::load_balancer), 1);
  EXPECT_EQ(count_type(s, ServiceType::cluster_ip), 11);
  EXPECT_EQ(s.object_count(), 24u);
  EXPECT_EQ(s.unknown_kinds, (std::map<std::string, int>{{"ServiceAccount", 11}}));
  EXPECT_EQ(release.notices(),
            std::vector<std::string>{
                "online-boutique/kubernetes-manifests.yaml:145:7: notice: kind: ServiceAccount "
                "(v1) is not modelled by podwire; the 11 objects of this kind in this file are "
                "ignored"});

  const Service& lb = named(s.services, "frontend-external");
  EXPECT_EQ(lb.type, ServiceType::load_balancer);
  EXPECT_EQ(lb.ports[0].port, 80);
  EXPECT_EQ(lb.ports[0].target_port, (PortRef{8080, ""}));
  EXPECT_EQ(named(s.services, "emailservice").ports[0].port, 5000);
  EXPECT_EQ(named(s.services, "emailservice").ports[0].target_port.number, 8080);
  EXPECT_EQ(named(s.services, "redis-cart").ports[0].name, "tcp-redis");

  const Deployment& frontend = named(s.deployments, "frontend");
  EXPECT_EQ(frontend.replicas, 1);  // not given
  EXPECT_TRUE(frontend.meta.labels.count("app"));
  const Container& server = frontend.template_.spec.containers.at(0);
  EXPECT_EQ(server.cpu_request_millicores, 100);
  EXPECT_EQ(server.memory_request_bytes, 64 << 20);
  EXPECT_EQ(server.cpu_limit_millicores, 200);
  EXPECT_EQ(server.memory_limit_bytes, 128 << 20);
  ASSERT_TRUE(server.readiness_probe.has_value());
  EXPECT_EQ(server.readiness_probe->action, Probe::Action::http_get);
  EXPECT_EQ(server.readiness_probe->initial_delay_seconds, 10);
  EXPECT_EQ(server.readiness_probe->period_seconds, 10);
  EXPECT_EQ(server.readiness_probe->path, "/_healthz");
  EXPECT_EQ(server.env.at(1).name, "PRODUCT_CATALOG_SERVICE_ADDR");
  EXPECT_EQ(server.env.at(1).value, "productcatalogservice:3550");
  EXPECT_EQ(frontend.template_.spec.termination_grace_period_seconds, 30);

  const Deployment& ads = named(s.deployments, "adservice");
  EXPECT_EQ(ads.template_.spec.termination_grace_period_seconds, 5);
  EXPECT_EQ(ads.template_.spec.containers[0].readiness_probe->action, Probe::Action::grpc);
  EXPECT_EQ(ads.template_.spec.containers[0].readiness_probe->period_seconds, 15);
  EXPECT_EQ(ads.template_.spec.containers[0].memory_limit_bytes, 300 << 20);

  const Deployment& load_generator = named(s.deployments, "loadgenerator");
  EXPECT_EQ(load_generator.template_.spec.init_containers.size(), 1u);
  EXPECT_EQ(load_generator.template_.spec.init_containers[0].name, "frontend-check");
  EXPECT_TRUE(load_generator.template_.spec.containers[0].ports.empty());

  // Every Service selects exactly one Deployment's pods.
  const auto templates = s.pod_templates();
  for (const Service& svc : s.services) {
    const auto n = std::count_if(templates.begin(), templates.end(),
                                 [&](const PodTemplateRef& t) { return svc.selects(*t.labels); });
    EXPECT_EQ(n, 1) << svc.meta.name;
  }

  const Loaded all = load({"online-boutique"});
  EXPECT_EQ(all.set.network_policies.size(), 13u);
  EXPECT_EQ(all.set.unknown_kinds,
            (std::map<std::string, int>{{"Gateway.gateway.networking.k8s.io", 1},
                                        {"HTTPRoute.gateway.networking.k8s.io", 1},
                                        {"ServiceAccount", 11},
                                        {"ServiceEntry.networking.istio.io", 2},
                                        {"VirtualService.networking.istio.io", 1}}));
  EXPECT_EQ(all.notices().size(), 5u);  // once per kind per file
  const NetworkPolicy& deny = named(all.set.network_policies, "deny-all");
  EXPECT_TRUE(deny.pod_selector.empty());
  EXPECT_TRUE(deny.policy_ingress);
  EXPECT_TRUE(deny.policy_egress);
  EXPECT_TRUE(deny.ingress.empty());
  const NetworkPolicy& lg = named(all.set.network_policies, "loadgenerator");
  EXPECT_FALSE(lg.policy_ingress);  // policyTypes: [Egress]
  EXPECT_TRUE(lg.policy_egress);
  ASSERT_EQ(lg.egress.size(), 1u);
  EXPECT_TRUE(lg.egress[0].peers.empty());  // `- {}` allows everything
  EXPECT_TRUE(lg.egress[0].ports.empty());
  const NetworkPolicy& cart = named(all.set.network_policies, "cartservice");
  ASSERT_EQ(cart.ingress.size(), 1u);
  ASSERT_EQ(cart.ingress[0].peers.size(), 2u);
  EXPECT_EQ(cart.ingress[0].peers[1].pod_selector->to_string(), "app=checkoutservice");
  EXPECT_FALSE(cart.ingress[0].peers[1].namespace_selector.has_value());
  EXPECT_EQ(cart.ingress[0].ports.at(0).port, (PortRef{7070, ""}));
  EXPECT_EQ(cart.ingress[0].ports.at(0).protocol, Protocol::tcp);
}

TEST(RealManifests, Bookinfo) {
  const Loaded base = load({"istio-bookinfo/base"});
  EXPECT_EQ(base.set.services.size(), 4u);
  EXPECT_EQ(base.set.deployments.size(), 6u);
  EXPECT_EQ(base.set.ingresses.size(), 1u);
  EXPECT_EQ(base.set.unknown_kinds, (std::map<std::string, int>{{"ServiceAccount", 4}}));
  const Ingress& gateway = base.set.ingresses[0];
  EXPECT_EQ(gateway.ingress_class_name, "istio");  // from the legacy annotation
  ASSERT_EQ(gateway.rules.size(), 1u);
  EXPECT_EQ(gateway.rules[0].host, "");
  ASSERT_EQ(gateway.rules[0].paths.size(), 5u);
  EXPECT_EQ(gateway.rules[0].paths[0].path, "/productpage");
  EXPECT_EQ(gateway.rules[0].paths[0].path_type, PathType::exact);
  EXPECT_EQ(gateway.rules[0].paths[1].path_type, PathType::prefix);
  EXPECT_EQ(gateway.rules[0].paths[1].backend.service_name, "productpage");
  EXPECT_EQ(gateway.rules[0].paths[1].backend.service_port, (PortRef{9080, ""}));
  for (const Service& svc : base.set.services) {
    EXPECT_EQ(svc.ports.at(0).target_port, (PortRef{9080, ""}))
        << svc.meta.name;  // defaults to port
  }

  const Loaded app = load(applications()[1].paths);
  EXPECT_EQ(app.set.services.size(), 11u);
  EXPECT_EQ(app.set.deployments.size(), 8u);
  EXPECT_EQ(app.set.unknown_kinds,
            (std::map<std::string, int>{{"DestinationRule.networking.istio.io", 4},
                                        {"Gateway.networking.istio.io", 1},
                                        {"ServiceAccount", 5},
                                        {"VirtualService.networking.istio.io", 2}}));
  const Deployment& mongo = named(app.set.deployments, "mongodb-v1");
  EXPECT_EQ(mongo.template_.spec.containers[0].name,
            "mongodb");  // the trailing space is YAML's, not the name's
  // reviews-v2 pods are selected by `reviews` and `reviews-v2`.
  const Labels& v2 = named(app.set.deployments, "reviews-v2").template_.metadata.labels;
  EXPECT_TRUE(named(app.set.services, "reviews").selects(v2));
  EXPECT_TRUE(named(app.set.services, "reviews-v2").selects(v2));
  EXPECT_FALSE(named(app.set.services, "reviews-v1").selects(v2));

  // productpage-nodeport.yaml redefines a Service of bookinfo.yaml: load one or the other.
  const Loaded both =
      load({"istio-bookinfo/base", "istio-bookinfo/variants/productpage-nodeport.yaml"});
  EXPECT_EQ(both.errors(),
            std::vector<std::string>{
                "istio-bookinfo/variants/productpage-nodeport.yaml:18:1: error: metadata.name: "
                "service 'productpage' (namespace default) is defined twice: at "
                "istio-bookinfo/base/bookinfo.yaml:278:1 and at "
                "istio-bookinfo/variants/productpage-nodeport.yaml:18:1"});
}

TEST(RealManifests, GkeGuestbookAndLoadBalancing) {
  const Loaded g = load({"gke-samples/guestbook-leader-follower"});
  EXPECT_EQ(g.set.deployments.size(), 3u);
  EXPECT_EQ(g.set.services.size(), 3u);
  EXPECT_EQ(count_type(g.set, ServiceType::load_balancer), 1);
  EXPECT_EQ(g.set.unknown_count(), 0);
  const Service& frontend = named(g.set.services, "frontend");
  EXPECT_EQ(frontend.type, ServiceType::load_balancer);
  EXPECT_EQ(frontend.ports[0].target_port, (PortRef{80, ""}));
  EXPECT_EQ(named(g.set.deployments, "redis-follower").replicas, 2);
  EXPECT_EQ(named(g.set.deployments, "frontend").replicas, 3);
  EXPECT_TRUE(named(g.set.deployments, "frontend").meta.labels.empty());
  // The follower Deployment's selector (app: redis) also matches the leader's pods; the Services do
  // not.
  const Labels& leader = named(g.set.deployments, "redis-leader").template_.metadata.labels;
  EXPECT_TRUE(named(g.set.deployments, "redis-follower").selector.matches(leader));
  EXPECT_FALSE(named(g.set.services, "redis-follower").selects(leader));

  const Loaded lb = load({"gke-samples/load-balancing-ingress"});
  EXPECT_EQ(lb.set.deployments.size(), 2u);
  EXPECT_EQ(lb.set.services.size(), 2u);
  EXPECT_EQ(count_type(lb.set, ServiceType::node_port), 2);
  EXPECT_EQ(lb.set.ingresses.size(), 2u);
  EXPECT_EQ(named(lb.set.deployments, "web").replicas, 1);
  const Ingress& basic = named(lb.set.ingresses, "basic-ingress");
  ASSERT_TRUE(basic.default_backend.has_value());
  EXPECT_EQ(basic.default_backend->service_name, "web");
  EXPECT_EQ(basic.default_backend->service_port.number, 8080);
  EXPECT_TRUE(basic.rules.empty());
  const Ingress& fanout = named(lb.set.ingresses, "fanout-ingress");
  ASSERT_EQ(fanout.rules.at(0).paths.size(), 2u);
  EXPECT_EQ(fanout.rules[0].paths[1].path, "/v2/*");
  EXPECT_EQ(fanout.rules[0].paths[1].path_type, PathType::implementation_specific);
  EXPECT_EQ(fanout.rules[0].paths[1].backend.service_name, "web2");
}

TEST(RealManifests, IngressNginx) {
  const Loaded cloud = load({"ingress-nginx/cloud"});
  const ObjectSet& s = cloud.set;
  EXPECT_EQ(s.namespaces.size(), 1u);
  EXPECT_EQ(s.namespaces[0].meta.namespace_, "");
  EXPECT_EQ(s.deployments.size(), 1u);
  EXPECT_EQ(s.services.size(), 2u);
  EXPECT_EQ(s.object_count(), 4u);
  EXPECT_EQ(s.unknown_kinds,
            (std::map<std::string, int>{
                {"ClusterRole.rbac.authorization.k8s.io", 2},
                {"ClusterRoleBinding.rbac.authorization.k8s.io", 2},
                {"ConfigMap", 1},
                {"IngressClass.networking.k8s.io", 1},
                {"Job.batch", 2},
                {"Role.rbac.authorization.k8s.io", 2},
                {"RoleBinding.rbac.authorization.k8s.io", 2},
                {"ServiceAccount", 2},
                {"ValidatingWebhookConfiguration.admissionregistration.k8s.io", 1}}));
  EXPECT_EQ(s.unknown_count(), 15);
  const std::vector<std::string> notices = cloud.notices();
  ASSERT_EQ(notices.size(), 9u);
  EXPECT_EQ(
      notices[6],
      "ingress-nginx/cloud/deploy.yaml:516:7: notice: kind: Job (batch/v1) is not modelled by "
      "podwire; the 2 objects of this kind in this file are ignored");
  EXPECT_EQ(notices[8],
            "ingress-nginx/cloud/deploy.yaml:639:7: notice: kind: ValidatingWebhookConfiguration "
            "(admissionregistration.k8s.io/v1) is not modelled by podwire; this object is ignored");

  const Service& controller = named(s.services, "ingress-nginx-controller");
  EXPECT_EQ(controller.meta.namespace_, "ingress-nginx");
  EXPECT_EQ(controller.type, ServiceType::load_balancer);
  EXPECT_EQ(controller.external_traffic_policy, TrafficPolicy::local);
  ASSERT_EQ(controller.ports.size(), 2u);
  EXPECT_EQ(controller.ports[1].name, "https");
  EXPECT_EQ(controller.ports[1].app_protocol, "https");
  EXPECT_EQ(controller.ports[1].target_port, (PortRef{0, "https"}));

  const Deployment& d = s.deployments[0];
  EXPECT_EQ(d.strategy.type, DeploymentStrategy::Type::rolling_update);
  EXPECT_EQ(d.strategy.max_unavailable, (IntOrPercent{1, false}));
  EXPECT_EQ(d.strategy.max_surge, (IntOrPercent{25, true}));  // the default
  const PodSpec& pod = d.template_.spec;
  EXPECT_EQ(pod.termination_grace_period_seconds, 300);
  EXPECT_EQ(pod.node_selector, (Labels{{"kubernetes.io/os", "linux"}}));
  EXPECT_EQ(pod.dns_policy, DnsPolicy::cluster_first);
  const Container& c = pod.containers.at(0);
  EXPECT_EQ(c.cpu_request_millicores, 100);
  EXPECT_EQ(c.memory_request_bytes, 90 << 20);
  EXPECT_FALSE(c.cpu_limit_millicores.has_value());
  EXPECT_EQ(c.readiness_probe->port, (PortRef{10254, ""}));  // not a declared containerPort: fine
  ASSERT_TRUE(c.pre_stop.has_value());
  EXPECT_EQ(c.pre_stop->action, PreStopHook::Action::exec);
  EXPECT_FALSE(c.pre_stop->sleep_seconds.has_value());  // /wait-shutdown
  // The named targetPorts resolve through the container's named ports.
  EXPECT_EQ(resolve_port(pod, controller.ports[0].target_port, Protocol::tcp), 80);
  EXPECT_EQ(resolve_port(pod, controller.ports[1].target_port, Protocol::tcp), 443);
  EXPECT_EQ(resolve_port(
                pod, named(s.services, "ingress-nginx-controller-admission").ports[0].target_port,
                Protocol::tcp),
            8443);

  const Loaded bare = load({"ingress-nginx/baremetal"});
  const Service& np = named(bare.set.services, "ingress-nginx-controller");
  EXPECT_EQ(np.type, ServiceType::node_port);
  EXPECT_EQ(np.external_traffic_policy, TrafficPolicy::cluster);
  EXPECT_EQ(np.ports[0].node_port, 0);  // allocated
  EXPECT_EQ(bare.set.unknown_count(), 15);
}

TEST(RealManifests, KubernetesExamples) {
  const Loaded guestbook = load({"kubernetes-examples/guestbook"});
  EXPECT_EQ(guestbook.set.deployments.size(), 3u);
  EXPECT_EQ(guestbook.set.services.size(), 3u);
  EXPECT_EQ(count_type(guestbook.set, ServiceType::node_port), 1);
  const Container& php = named(guestbook.set.deployments, "frontend").template_.spec.containers[0];
  EXPECT_EQ(php.cpu_request_millicores, 100);
  EXPECT_EQ(php.memory_request_bytes, 100 << 20);
  EXPECT_EQ(php.env.at(0).value, "dns");

  const Loaded go = load({"kubernetes-examples/guestbook-go"});
  EXPECT_EQ(go.set.replication_controllers.size(), 2u);
  EXPECT_EQ(go.set.deployments.size(), 1u);  // `kind: Deployment ` with a trailing space
  EXPECT_EQ(go.set.services.size(), 3u);
  EXPECT_EQ(count_type(go.set, ServiceType::load_balancer), 1);
  const ReplicationController& rc = named(go.set.replication_controllers, "redis-replica");
  EXPECT_EQ(rc.selector, (Labels{{"app", "redis"}, {"role", "replica"}}));
  EXPECT_EQ(rc.replicas, 2);
  EXPECT_EQ(named(go.set.deployments, "redis-master").meta.labels.at("role"), "master");
  const Service& guestbook_svc = named(go.set.services, "guestbook");
  EXPECT_EQ(guestbook_svc.ports[0].target_port, (PortRef{0, "http-server"}));
  EXPECT_EQ(resolve_port(named(go.set.replication_controllers, "guestbook").template_.spec,
                         guestbook_svc.ports[0].target_port, Protocol::tcp),
            3000);

  const Loaded cassandra = load({"kubernetes-examples/cassandra"});
  ASSERT_EQ(cassandra.set.stateful_sets.size(), 1u);
  EXPECT_EQ(cassandra.set.services.size(), 1u);
  EXPECT_EQ(cassandra.set.unknown_kinds,
            (std::map<std::string, int>{{"StorageClass.storage.k8s.io", 1}}));
  EXPECT_TRUE(cassandra.set.services[0].headless());
  const StatefulSet& sts = cassandra.set.stateful_sets[0];
  EXPECT_EQ(sts.service_name, "cassandra");
  EXPECT_EQ(sts.replicas, 3);
  EXPECT_EQ(sts.pod_management_policy, PodManagementPolicy::ordered_ready);
  EXPECT_EQ(sts.template_.spec.termination_grace_period_seconds, 1800);
  const Container& node = sts.template_.spec.containers[0];
  EXPECT_EQ(node.ports.size(), 4u);
  EXPECT_EQ(node.ports[3].name, "cql");
  EXPECT_EQ(node.cpu_limit_millicores, 500);
  EXPECT_EQ(node.memory_request_bytes, 1LL << 30);
  EXPECT_EQ(node.readiness_probe->action, Probe::Action::exec);
  EXPECT_EQ(node.readiness_probe->initial_delay_seconds, 15);
  EXPECT_EQ(node.readiness_probe->timeout_seconds, 5);
  EXPECT_FALSE(node.pre_stop->sleep_seconds.has_value());  // nodetool drain

  const Loaded tf = load({"kubernetes-examples/tf-serving-ingress"});
  EXPECT_EQ(tf.set.deployments.size(), 1u);
  EXPECT_EQ(tf.set.services.size(), 1u);
  EXPECT_EQ(tf.set.ingresses.size(), 1u);
  EXPECT_EQ(tf.set.unknown_kinds,
            (std::map<std::string, int>{{"PersistentVolume", 1}, {"PersistentVolumeClaim", 1}}));
  EXPECT_EQ(tf.set.ingresses[0].rules[0].paths[0].path, "/tf(/|$)(.*)");
  EXPECT_EQ(tf.set.services[0].ports.size(), 2u);
}

TEST(RealManifests, KubernetesDocs) {
  const Loaded access = load({"kubernetes-website/service-access"});
  EXPECT_EQ(access.set.deployments.size(), 2u);
  EXPECT_EQ(access.set.services.size(), 2u);
  EXPECT_EQ(count_type(access.set, ServiceType::load_balancer), 1);
  EXPECT_EQ(named(access.set.services, "hello").ports[0].target_port, (PortRef{0, "http"}));
  EXPECT_EQ(named(access.set.deployments, "backend").replicas, 3);

  const Loaded kyaml = load({"kubernetes-website/ingress-kyaml"});
  ASSERT_EQ(kyaml.set.ingresses.size(), 2u);
  const Ingress& vhost = named(kyaml.set.ingresses, "name-virtual-host-ingress");
  ASSERT_EQ(vhost.rules.size(), 2u);
  EXPECT_EQ(vhost.rules[1].host, "bar.foo.com");
  EXPECT_EQ(kyaml.warnings()[0],
            "kubernetes-website/ingress-kyaml/name-virtual-host-ingress.yaml:17:21: warning: "
            "spec.rules[0].http.paths[0].backend.service.name: ingress 'name-virtual-host-ingress' "
            "(namespace "
            "default): backend service 'service1' does not exist in namespace default");
  const Ingress& fanout = named(kyaml.set.ingresses, "simple-fanout-example");
  EXPECT_EQ(fanout.rules[0].paths[0].backend.service_port.number, 4200);

  const Loaded secure = load({"kubernetes-website/nginx-secure-app-kyaml"});
  const Service& my_nginx = named(secure.set.services, "my-nginx");
  EXPECT_EQ(my_nginx.type, ServiceType::node_port);
  ASSERT_EQ(my_nginx.ports.size(), 2u);
  EXPECT_EQ(my_nginx.ports[0].target_port.number, 80);
  EXPECT_EQ(my_nginx.ports[1].target_port.number, 443);  // omitted: same as port

  const Loaded dns = load({"kubernetes-website/pods-dns"});
  EXPECT_EQ(dns.set.pods.size(), 5u);
  EXPECT_EQ(dns.set.services.size(), 1u);
  EXPECT_TRUE(dns.set.services[0].headless());
  const PodSpec& custom = named(dns.set.pods, "dns-example").spec;
  EXPECT_EQ(custom.dns_policy, DnsPolicy::none);
  ASSERT_TRUE(custom.dns_config.has_value());
  EXPECT_EQ(custom.dns_config->nameservers, std::vector<std::string>{"192.0.2.1"});
  EXPECT_EQ(custom.dns_config->searches.size(), 2u);
  EXPECT_EQ(custom.dns_config->ndots, 2);
  EXPECT_EQ(custom.dns_config->options.size(), 2u);
  EXPECT_EQ(custom.dns_config->options[1], (std::pair<std::string, std::string>{"edns0", ""}));
  const PodSpec& host = named(dns.set.pods, "busybox").spec;
  EXPECT_TRUE(host.host_network);
  EXPECT_EQ(host.dns_policy, DnsPolicy::cluster_first_with_host_net);
  const Pod& busybox1 = named(dns.set.pods, "busybox1");
  EXPECT_EQ(busybox1.spec.hostname, "busybox-1");
  EXPECT_EQ(busybox1.spec.subdomain, "default-subdomain");
  EXPECT_TRUE(dns.set.services[0].selects(busybox1.meta.labels));

  const Loaded graceful = load({"kubernetes-website/graceful-termination"});
  ASSERT_EQ(graceful.set.deployments.size(), 1u);
  EXPECT_EQ(graceful.set.services.size(), 1u);
  const PodSpec& nginx = graceful.set.deployments[0].template_.spec;
  EXPECT_EQ(nginx.termination_grace_period_seconds, 120);
  ASSERT_TRUE(nginx.containers[0].pre_stop.has_value());
  EXPECT_EQ(nginx.containers[0].pre_stop->sleep_seconds, 180);  // sh -c "sleep 180"
}

TEST(RealManifests, ServiceTypesDocs) {
  const Loaded ext = load({"kubernetes-website/service-types-docs/externalname.yaml"});
  ASSERT_EQ(ext.set.services.size(), 1u);
  const Service& e = ext.set.services[0];
  EXPECT_EQ(e.type, ServiceType::external_name);
  EXPECT_EQ(e.meta.namespace_, "prod");
  EXPECT_EQ(e.external_name, "my.database.example.com");
  EXPECT_FALSE(e.selector.has_value());
  EXPECT_TRUE(e.ports.empty());

  const Loaded fixed = load({"kubernetes-website/service-types-docs/nodeport-fixed.yaml"});
  ASSERT_EQ(fixed.set.services.size(), 1u);
  EXPECT_EQ(fixed.set.services[0].type, ServiceType::node_port);
  EXPECT_EQ(fixed.set.services[0].ports[0].node_port, 30007);
  EXPECT_EQ(fixed.warnings(),
            std::vector<std::string>{
                "kubernetes-website/service-types-docs/nodeport-fixed.yaml:1:1: warning: "
                "spec.selector: service 'my-service' (namespace default): selector "
                "app.kubernetes.io/name=MyApp matches no pod template of any workload or Pod "
                "in namespace default, so it has no endpoints"});

  const Loaded lb = load({"kubernetes-website/service-types-docs/loadbalancer-with-status.yaml"});
  const Service& l = lb.set.services.at(0);
  EXPECT_EQ(l.type, ServiceType::load_balancer);
  EXPECT_EQ(l.cluster_ip, "10.0.171.239");
  EXPECT_EQ(l.load_balancer_ingress, std::vector<std::string>{"192.0.2.127"});

  const Loaded multi = load({"kubernetes-website/service-types-docs/multi-port.yaml"});
  const Service& m = multi.set.services.at(0);
  ASSERT_EQ(m.ports.size(), 2u);
  EXPECT_EQ(m.ports[1].name, "https");
  EXPECT_EQ(m.ports[1].port, 443);
  EXPECT_EQ(m.ports[1].target_port.number, 9377);

  const Loaded ips = load({"kubernetes-website/service-types-docs/external-ips.yaml"});
  EXPECT_EQ(ips.set.services.at(0).external_ips, std::vector<std::string>{"198.51.100.32"});

  const Loaded manual =
      load({"kubernetes-website/service-types-docs/selectorless-with-endpointslice.yaml"});
  ASSERT_EQ(manual.set.services.size(), 1u);
  ASSERT_EQ(manual.set.endpoint_slices.size(), 1u);
  EXPECT_FALSE(manual.set.services[0].selector.has_value());
  const EndpointSlice& slice = manual.set.endpoint_slices[0];
  EXPECT_EQ(slice.service_name(), "my-service");
  EXPECT_EQ(slice.address_type, AddressType::ipv4);
  ASSERT_EQ(slice.endpoints.size(), 2u);
  EXPECT_EQ(slice.endpoints[1].addresses, std::vector<std::string>{"10.1.2.3"});
  EXPECT_FALSE(slice.endpoints[0].conditions.ready.has_value());
  ASSERT_EQ(slice.ports.size(), 1u);
  EXPECT_EQ(slice.ports[0].name, "");
  EXPECT_EQ(slice.ports[0].port, 9376);
  EXPECT_EQ(slice.ports[0].app_protocol, "http");
}

}  // namespace
}  // namespace podwire::kube
