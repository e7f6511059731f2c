// The manifest loader against the real third-party manifests in
// scenarios/manifests (every set loads without errors, with the object counts
// read off the files by hand), and against small broken inputs whose every
// diagnostic is checked to the line, column and word.
#include "models/scenario/manifest_loader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "models/scenario/manifest_checks.hpp"

namespace podwire::scenario {
namespace {

namespace fs = std::filesystem;

// The repository root: $PODWIRE_SOURCE_DIR, else found from this file's
// location, else from the working directory upwards (a build folder).
std::string source_dir() {
  const auto has_manifests = [](const fs::path& p) {
    std::error_code ec;
    return fs::exists(p / "scenarios" / "manifests" / "README.md", ec);
  };
  if (const char* env = std::getenv("PODWIRE_SOURCE_DIR"); env != nullptr && has_manifests(env)) return env;
  const fs::path from_file = fs::path(__FILE__).parent_path() / ".." / ".." / "..";
  if (has_manifests(from_file)) return fs::weakly_canonical(fs::absolute(from_file)).generic_string();
  for (fs::path p = fs::current_path();; p = p.parent_path()) {
    if (has_manifests(p)) return p.generic_string();
    if (p == p.root_path()) break;
  }
  return "";
}

const std::string& manifests_root() {
  static const std::string root = source_dir() + "/scenarios/manifests";
  return root;
}

// A diagnostic as text, with the manifests folder left out of file names.
std::string text_of(const Diagnostic& d) {
  std::string s = d.to_string();
  const std::string prefix = manifests_root() + "/";
  for (std::size_t at; (at = s.find(prefix)) != std::string::npos;) s.erase(at, prefix.size());
  return s;
}

std::vector<std::string> diagnostics_of(const Diagnostics& d, Severity severity) {
  std::vector<std::string> out;
  for (const Diagnostic& x : d.sorted()) {
    if (x.severity == severity) out.push_back(text_of(x));
  }
  return out;
}

struct Loaded {
  ManifestSet set;
  Diagnostics diagnostics;
  std::vector<std::string> errors() const { return diagnostics_of(diagnostics, Severity::error); }
  std::vector<std::string> warnings() const { return diagnostics_of(diagnostics, Severity::warning); }
  std::vector<std::string> notices() const { return diagnostics_of(diagnostics, Severity::notice); }
};

// Loads paths relative to scenarios/manifests, then runs the cross-object checks.
Loaded load(const std::vector<std::string>& relative_paths) {
  EXPECT_FALSE(source_dir().empty()) << "set PODWIRE_SOURCE_DIR to the repository root";
  std::vector<std::string> paths;
  for (const std::string& p : relative_paths) paths.push_back(manifests_root() + "/" + p);
  Loaded l;
  l.set = load_manifests(paths, l.diagnostics);
  check_manifests(l.set, l.diagnostics);
  return l;
}

Loaded parse(const std::string& text) {
  Loaded l;
  l.set = parse_manifest_text(text, "test.yaml", l.diagnostics);
  check_manifests(l.set, l.diagnostics);
  return l;
}

template <class T>
const T& named(const std::vector<T>& objects, const std::string& name) {
  const auto it = std::find_if(objects.begin(), objects.end(), [&](const T& o) { return o.meta.name == name; });
  if (it == objects.end()) throw std::runtime_error("no object named " + name);
  return *it;
}

int count_type(const ManifestSet& s, kube::ServiceType type) {
  return static_cast<int>(
      std::count_if(s.services.begin(), s.services.end(), [&](const kube::Service& x) { return x.type == type; }));
}

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
      {"bookinfo", {"istio-bookinfo/base", "istio-bookinfo/istio-crds", "istio-bookinfo/variants/bookinfo-versions.yaml",
                    "istio-bookinfo/variants/bookinfo-ratings-v2.yaml", "istio-bookinfo/variants/bookinfo-db.yaml"}, 0},
      {"bookinfo-nodeport", {"istio-bookinfo/variants/productpage-nodeport.yaml"}, 1},
      {"gke-guestbook", {"gke-samples/guestbook-leader-follower"}, 0},
      {"gke-load-balancing", {"gke-samples/load-balancing-ingress"}, 0},
      {"ingress-nginx-cloud", {"ingress-nginx/cloud"}, 0},
      {"ingress-nginx-baremetal", {"ingress-nginx/baremetal"}, 0},
      {"guestbook", {"kubernetes-examples/guestbook"}, 0},
      {"guestbook-go", {"kubernetes-examples/guestbook-go"}, 0},
      {"cassandra", {"kubernetes-examples/cassandra"}, 0},
      {"tf-serving", {"kubernetes-examples/tf-serving-ingress"}, 0},
      {"service-access", {"kubernetes-website/service-access"}, 0},
      {"ingress-kyaml", {"kubernetes-website/ingress-kyaml"}, 4},  // service1, service2 are not defined
      {"nginx-secure-app", {"kubernetes-website/nginx-secure-app-kyaml"}, 0},
      {"pods-dns", {"kubernetes-website/pods-dns"}, 0},
      {"graceful-termination", {"kubernetes-website/graceful-termination"}, 0},
      // Each docs snippet stands alone; those with a selector select pods defined nowhere.
      {"externalname", {"kubernetes-website/service-types-docs/externalname.yaml"}, 0},
      {"nodeport-fixed", {"kubernetes-website/service-types-docs/nodeport-fixed.yaml"}, 1},
      {"loadbalancer-with-status", {"kubernetes-website/service-types-docs/loadbalancer-with-status.yaml"}, 1},
      {"multi-port", {"kubernetes-website/service-types-docs/multi-port.yaml"}, 1},
      {"external-ips", {"kubernetes-website/service-types-docs/external-ips.yaml"}, 1},
      {"selectorless", {"kubernetes-website/service-types-docs/selectorless-with-endpointslice.yaml"}, 0},
  };
  return apps;
}

TEST(RealManifests, EveryApplicationLoadsWithoutErrors) {
  for (const Application& app : applications()) {
    const Loaded l = load(app.paths);
    EXPECT_EQ(l.errors(), std::vector<std::string>{}) << app.name;
    EXPECT_EQ(l.warnings().size(), static_cast<std::size_t>(app.warnings)) << app.name << "\n" << l.diagnostics.to_string();
    EXPECT_GT(l.set.object_count() + static_cast<std::size_t>(l.set.unknown_count()), 0u) << app.name;
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
    if (e.is_regular_file() && (ext == ".yaml" || ext == ".yml")) on_disk.insert(e.path().generic_string());
  }
  EXPECT_EQ(on_disk.size(), 70u);
  EXPECT_EQ(listed, on_disk);
}

TEST(RealManifests, WholeFolderLoadsWithoutLoaderErrors) {
  Loaded l;
  l.set = load_manifests({manifests_root()}, l.diagnostics);  // no checks: the sets repeat names
  EXPECT_EQ(l.errors(), std::vector<std::string>{});
  EXPECT_EQ(l.warnings(), std::vector<std::string>{});
  EXPECT_EQ(l.set.files.size(), 70u);
  EXPECT_TRUE(std::is_sorted(l.set.files.begin(), l.set.files.end()));
}

TEST(RealManifests, OnlineBoutique) {
  const Loaded release = load({"online-boutique/kubernetes-manifests.yaml"});
  const ManifestSet& s = release.set;
  EXPECT_EQ(s.deployments.size(), 12u);
  EXPECT_EQ(s.services.size(), 12u);
  EXPECT_EQ(count_type(s, kube::ServiceType::load_balancer), 1);
  EXPECT_EQ(count_type(s, kube::ServiceType::cluster_ip), 11);
  EXPECT_EQ(s.object_count(), 24u);
  EXPECT_EQ(s.unknown_kinds, (std::map<std::string, int>{{"ServiceAccount", 11}}));
  EXPECT_EQ(release.notices(),
            std::vector<std::string>{"online-boutique/kubernetes-manifests.yaml:145:7: notice: kind: ServiceAccount "
                                     "(v1) is not modelled by podwire; the 11 objects of this kind in this file are "
                                     "ignored"});

  const kube::Service& lb = named(s.services, "frontend-external");
  EXPECT_EQ(lb.type, kube::ServiceType::load_balancer);
  EXPECT_EQ(lb.ports[0].port, 80);
  EXPECT_EQ(lb.ports[0].target_port, (kube::PortRef{8080, ""}));
  EXPECT_EQ(named(s.services, "emailservice").ports[0].port, 5000);
  EXPECT_EQ(named(s.services, "emailservice").ports[0].target_port.number, 8080);
  EXPECT_EQ(named(s.services, "redis-cart").ports[0].name, "tcp-redis");

  const kube::Deployment& frontend = named(s.deployments, "frontend");
  EXPECT_EQ(frontend.replicas, 1);  // not given
  EXPECT_TRUE(frontend.meta.labels.count("app"));
  const kube::Container& server = frontend.template_.spec.containers.at(0);
  EXPECT_EQ(server.cpu_request_millicores, 100);
  EXPECT_EQ(server.memory_request_bytes, 64 << 20);
  EXPECT_EQ(server.cpu_limit_millicores, 200);
  EXPECT_EQ(server.memory_limit_bytes, 128 << 20);
  ASSERT_TRUE(server.readiness_probe.has_value());
  EXPECT_EQ(server.readiness_probe->action, kube::Probe::Action::http_get);
  EXPECT_EQ(server.readiness_probe->initial_delay_seconds, 10);
  EXPECT_EQ(server.readiness_probe->period_seconds, 10);
  EXPECT_EQ(server.readiness_probe->path, "/_healthz");
  EXPECT_EQ(server.env.at(1).name, "PRODUCT_CATALOG_SERVICE_ADDR");
  EXPECT_EQ(server.env.at(1).value, "productcatalogservice:3550");
  EXPECT_EQ(frontend.template_.spec.termination_grace_period_seconds, 30);

  const kube::Deployment& ads = named(s.deployments, "adservice");
  EXPECT_EQ(ads.template_.spec.termination_grace_period_seconds, 5);
  EXPECT_EQ(ads.template_.spec.containers[0].readiness_probe->action, kube::Probe::Action::grpc);
  EXPECT_EQ(ads.template_.spec.containers[0].readiness_probe->period_seconds, 15);
  EXPECT_EQ(ads.template_.spec.containers[0].memory_limit_bytes, 300 << 20);

  const kube::Deployment& load_generator = named(s.deployments, "loadgenerator");
  EXPECT_EQ(load_generator.template_.spec.init_containers.size(), 1u);
  EXPECT_EQ(load_generator.template_.spec.init_containers[0].name, "frontend-check");
  EXPECT_TRUE(load_generator.template_.spec.containers[0].ports.empty());

  // Every Service selects exactly one Deployment's pods.
  const auto templates = s.pod_templates();
  for (const kube::Service& svc : s.services) {
    const auto n = std::count_if(templates.begin(), templates.end(),
                                 [&](const PodTemplateRef& t) { return svc.selects(*t.labels); });
    EXPECT_EQ(n, 1) << svc.meta.name;
  }

  const Loaded all = load({"online-boutique"});
  EXPECT_EQ(all.set.network_policies.size(), 13u);
  EXPECT_EQ(all.set.unknown_kinds, (std::map<std::string, int>{{"Gateway.gateway.networking.k8s.io", 1},
                                                                {"HTTPRoute.gateway.networking.k8s.io", 1},
                                                                {"ServiceAccount", 11},
                                                                {"ServiceEntry.networking.istio.io", 2},
                                                                {"VirtualService.networking.istio.io", 1}}));
  EXPECT_EQ(all.notices().size(), 5u);  // once per kind per file
  const kube::NetworkPolicy& deny = named(all.set.network_policies, "deny-all");
  EXPECT_TRUE(deny.pod_selector.empty());
  EXPECT_TRUE(deny.policy_ingress);
  EXPECT_TRUE(deny.policy_egress);
  EXPECT_TRUE(deny.ingress.empty());
  const kube::NetworkPolicy& lg = named(all.set.network_policies, "loadgenerator");
  EXPECT_FALSE(lg.policy_ingress);  // policyTypes: [Egress]
  EXPECT_TRUE(lg.policy_egress);
  ASSERT_EQ(lg.egress.size(), 1u);
  EXPECT_TRUE(lg.egress[0].peers.empty());  // `- {}` allows everything
  EXPECT_TRUE(lg.egress[0].ports.empty());
  const kube::NetworkPolicy& cart = named(all.set.network_policies, "cartservice");
  ASSERT_EQ(cart.ingress.size(), 1u);
  ASSERT_EQ(cart.ingress[0].peers.size(), 2u);
  EXPECT_EQ(cart.ingress[0].peers[1].pod_selector->to_string(), "app=checkoutservice");
  EXPECT_FALSE(cart.ingress[0].peers[1].namespace_selector.has_value());
  EXPECT_EQ(cart.ingress[0].ports.at(0).port, (kube::PortRef{7070, ""}));
  EXPECT_EQ(cart.ingress[0].ports.at(0).protocol, kube::Protocol::tcp);
}

TEST(RealManifests, Bookinfo) {
  const Loaded base = load({"istio-bookinfo/base"});
  EXPECT_EQ(base.set.services.size(), 4u);
  EXPECT_EQ(base.set.deployments.size(), 6u);
  EXPECT_EQ(base.set.ingresses.size(), 1u);
  EXPECT_EQ(base.set.unknown_kinds, (std::map<std::string, int>{{"ServiceAccount", 4}}));
  const kube::Ingress& gateway = base.set.ingresses[0];
  EXPECT_EQ(gateway.ingress_class_name, "istio");  // from the legacy annotation
  ASSERT_EQ(gateway.rules.size(), 1u);
  EXPECT_EQ(gateway.rules[0].host, "");
  ASSERT_EQ(gateway.rules[0].paths.size(), 5u);
  EXPECT_EQ(gateway.rules[0].paths[0].path, "/productpage");
  EXPECT_EQ(gateway.rules[0].paths[0].path_type, kube::PathType::exact);
  EXPECT_EQ(gateway.rules[0].paths[1].path_type, kube::PathType::prefix);
  EXPECT_EQ(gateway.rules[0].paths[1].backend.service_name, "productpage");
  EXPECT_EQ(gateway.rules[0].paths[1].backend.service_port, (kube::PortRef{9080, ""}));
  for (const kube::Service& svc : base.set.services) {
    EXPECT_EQ(svc.ports.at(0).target_port, (kube::PortRef{9080, ""})) << svc.meta.name;  // defaults to port
  }

  const Loaded app = load(applications()[1].paths);
  EXPECT_EQ(app.set.services.size(), 11u);
  EXPECT_EQ(app.set.deployments.size(), 8u);
  EXPECT_EQ(app.set.unknown_kinds, (std::map<std::string, int>{{"DestinationRule.networking.istio.io", 4},
                                                                {"Gateway.networking.istio.io", 1},
                                                                {"ServiceAccount", 5},
                                                                {"VirtualService.networking.istio.io", 2}}));
  const kube::Deployment& mongo = named(app.set.deployments, "mongodb-v1");
  EXPECT_EQ(mongo.template_.spec.containers[0].name, "mongodb");  // the trailing space is YAML's, not the name's
  // reviews-v2 pods are selected by `reviews` and `reviews-v2`.
  const kube::Labels& v2 = named(app.set.deployments, "reviews-v2").template_.metadata.labels;
  EXPECT_TRUE(named(app.set.services, "reviews").selects(v2));
  EXPECT_TRUE(named(app.set.services, "reviews-v2").selects(v2));
  EXPECT_FALSE(named(app.set.services, "reviews-v1").selects(v2));

  // productpage-nodeport.yaml redefines a Service of bookinfo.yaml: load one or the other.
  const Loaded both = load({"istio-bookinfo/base", "istio-bookinfo/variants/productpage-nodeport.yaml"});
  EXPECT_EQ(both.errors(),
            std::vector<std::string>{"istio-bookinfo/variants/productpage-nodeport.yaml:18:1: error: metadata.name: "
                                     "service 'productpage' (namespace default) is defined twice: at "
                                     "istio-bookinfo/base/bookinfo.yaml:278:1 and at "
                                     "istio-bookinfo/variants/productpage-nodeport.yaml:18:1"});
}

TEST(RealManifests, GkeGuestbookAndLoadBalancing) {
  const Loaded g = load({"gke-samples/guestbook-leader-follower"});
  EXPECT_EQ(g.set.deployments.size(), 3u);
  EXPECT_EQ(g.set.services.size(), 3u);
  EXPECT_EQ(count_type(g.set, kube::ServiceType::load_balancer), 1);
  EXPECT_EQ(g.set.unknown_count(), 0);
  const kube::Service& frontend = named(g.set.services, "frontend");
  EXPECT_EQ(frontend.type, kube::ServiceType::load_balancer);
  EXPECT_EQ(frontend.ports[0].target_port, (kube::PortRef{80, ""}));
  EXPECT_EQ(named(g.set.deployments, "redis-follower").replicas, 2);
  EXPECT_EQ(named(g.set.deployments, "frontend").replicas, 3);
  EXPECT_TRUE(named(g.set.deployments, "frontend").meta.labels.empty());
  // The follower Deployment's selector (app: redis) also matches the leader's pods; the Services do not.
  const kube::Labels& leader = named(g.set.deployments, "redis-leader").template_.metadata.labels;
  EXPECT_TRUE(named(g.set.deployments, "redis-follower").selector.matches(leader));
  EXPECT_FALSE(named(g.set.services, "redis-follower").selects(leader));

  const Loaded lb = load({"gke-samples/load-balancing-ingress"});
  EXPECT_EQ(lb.set.deployments.size(), 2u);
  EXPECT_EQ(lb.set.services.size(), 2u);
  EXPECT_EQ(count_type(lb.set, kube::ServiceType::node_port), 2);
  EXPECT_EQ(lb.set.ingresses.size(), 2u);
  EXPECT_EQ(named(lb.set.deployments, "web").replicas, 1);
  const kube::Ingress& basic = named(lb.set.ingresses, "basic-ingress");
  ASSERT_TRUE(basic.default_backend.has_value());
  EXPECT_EQ(basic.default_backend->service_name, "web");
  EXPECT_EQ(basic.default_backend->service_port.number, 8080);
  EXPECT_TRUE(basic.rules.empty());
  const kube::Ingress& fanout = named(lb.set.ingresses, "fanout-ingress");
  ASSERT_EQ(fanout.rules.at(0).paths.size(), 2u);
  EXPECT_EQ(fanout.rules[0].paths[1].path, "/v2/*");
  EXPECT_EQ(fanout.rules[0].paths[1].path_type, kube::PathType::implementation_specific);
  EXPECT_EQ(fanout.rules[0].paths[1].backend.service_name, "web2");
}

TEST(RealManifests, IngressNginx) {
  const Loaded cloud = load({"ingress-nginx/cloud"});
  const ManifestSet& s = cloud.set;
  EXPECT_EQ(s.namespaces.size(), 1u);
  EXPECT_EQ(s.namespaces[0].meta.namespace_, "");
  EXPECT_EQ(s.deployments.size(), 1u);
  EXPECT_EQ(s.services.size(), 2u);
  EXPECT_EQ(s.object_count(), 4u);
  EXPECT_EQ(s.unknown_kinds,
            (std::map<std::string, int>{{"ClusterRole.rbac.authorization.k8s.io", 2},
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
  EXPECT_EQ(notices[6], "ingress-nginx/cloud/deploy.yaml:516:7: notice: kind: Job (batch/v1) is not modelled by "
                        "podwire; the 2 objects of this kind in this file are ignored");
  EXPECT_EQ(notices[8], "ingress-nginx/cloud/deploy.yaml:639:7: notice: kind: ValidatingWebhookConfiguration "
                        "(admissionregistration.k8s.io/v1) is not modelled by podwire; this object is ignored");

  const kube::Service& controller = named(s.services, "ingress-nginx-controller");
  EXPECT_EQ(controller.meta.namespace_, "ingress-nginx");
  EXPECT_EQ(controller.type, kube::ServiceType::load_balancer);
  EXPECT_EQ(controller.external_traffic_policy, kube::TrafficPolicy::local);
  ASSERT_EQ(controller.ports.size(), 2u);
  EXPECT_EQ(controller.ports[1].name, "https");
  EXPECT_EQ(controller.ports[1].app_protocol, "https");
  EXPECT_EQ(controller.ports[1].target_port, (kube::PortRef{0, "https"}));

  const kube::Deployment& d = s.deployments[0];
  EXPECT_EQ(d.strategy.type, kube::DeploymentStrategy::Type::rolling_update);
  EXPECT_EQ(d.strategy.max_unavailable, (kube::IntOrPercent{1, false}));
  EXPECT_EQ(d.strategy.max_surge, (kube::IntOrPercent{25, true}));  // the default
  const kube::PodSpec& pod = d.template_.spec;
  EXPECT_EQ(pod.termination_grace_period_seconds, 300);
  EXPECT_EQ(pod.node_selector, (kube::Labels{{"kubernetes.io/os", "linux"}}));
  EXPECT_EQ(pod.dns_policy, kube::DnsPolicy::cluster_first);
  const kube::Container& c = pod.containers.at(0);
  EXPECT_EQ(c.cpu_request_millicores, 100);
  EXPECT_EQ(c.memory_request_bytes, 90 << 20);
  EXPECT_FALSE(c.cpu_limit_millicores.has_value());
  EXPECT_EQ(c.readiness_probe->port, (kube::PortRef{10254, ""}));  // not a declared containerPort: fine
  ASSERT_TRUE(c.pre_stop.has_value());
  EXPECT_EQ(c.pre_stop->action, kube::PreStopHook::Action::exec);
  EXPECT_FALSE(c.pre_stop->sleep_seconds.has_value());  // /wait-shutdown
  // The named targetPorts resolve through the container's named ports.
  EXPECT_EQ(kube::resolve_port(pod, controller.ports[0].target_port, kube::Protocol::tcp), 80);
  EXPECT_EQ(kube::resolve_port(pod, controller.ports[1].target_port, kube::Protocol::tcp), 443);
  EXPECT_EQ(kube::resolve_port(pod, named(s.services, "ingress-nginx-controller-admission").ports[0].target_port,
                               kube::Protocol::tcp),
            8443);

  const Loaded bare = load({"ingress-nginx/baremetal"});
  const kube::Service& np = named(bare.set.services, "ingress-nginx-controller");
  EXPECT_EQ(np.type, kube::ServiceType::node_port);
  EXPECT_EQ(np.external_traffic_policy, kube::TrafficPolicy::cluster);
  EXPECT_EQ(np.ports[0].node_port, 0);  // allocated
  EXPECT_EQ(bare.set.unknown_count(), 15);
}

TEST(RealManifests, KubernetesExamples) {
  const Loaded guestbook = load({"kubernetes-examples/guestbook"});
  EXPECT_EQ(guestbook.set.deployments.size(), 3u);
  EXPECT_EQ(guestbook.set.services.size(), 3u);
  EXPECT_EQ(count_type(guestbook.set, kube::ServiceType::node_port), 1);
  const kube::Container& php = named(guestbook.set.deployments, "frontend").template_.spec.containers[0];
  EXPECT_EQ(php.cpu_request_millicores, 100);
  EXPECT_EQ(php.memory_request_bytes, 100 << 20);
  EXPECT_EQ(php.env.at(0).value, "dns");

  const Loaded go = load({"kubernetes-examples/guestbook-go"});
  EXPECT_EQ(go.set.replication_controllers.size(), 2u);
  EXPECT_EQ(go.set.deployments.size(), 1u);  // `kind: Deployment ` with a trailing space
  EXPECT_EQ(go.set.services.size(), 3u);
  EXPECT_EQ(count_type(go.set, kube::ServiceType::load_balancer), 1);
  const kube::ReplicationController& rc = named(go.set.replication_controllers, "redis-replica");
  EXPECT_EQ(rc.selector, (kube::Labels{{"app", "redis"}, {"role", "replica"}}));
  EXPECT_EQ(rc.replicas, 2);
  EXPECT_EQ(named(go.set.deployments, "redis-master").meta.labels.at("role"), "master");
  const kube::Service& guestbook_svc = named(go.set.services, "guestbook");
  EXPECT_EQ(guestbook_svc.ports[0].target_port, (kube::PortRef{0, "http-server"}));
  EXPECT_EQ(kube::resolve_port(named(go.set.replication_controllers, "guestbook").template_.spec,
                               guestbook_svc.ports[0].target_port, kube::Protocol::tcp),
            3000);

  const Loaded cassandra = load({"kubernetes-examples/cassandra"});
  ASSERT_EQ(cassandra.set.stateful_sets.size(), 1u);
  EXPECT_EQ(cassandra.set.services.size(), 1u);
  EXPECT_EQ(cassandra.set.unknown_kinds, (std::map<std::string, int>{{"StorageClass.storage.k8s.io", 1}}));
  EXPECT_TRUE(cassandra.set.services[0].headless());
  const kube::StatefulSet& sts = cassandra.set.stateful_sets[0];
  EXPECT_EQ(sts.service_name, "cassandra");
  EXPECT_EQ(sts.replicas, 3);
  EXPECT_EQ(sts.pod_management_policy, kube::PodManagementPolicy::ordered_ready);
  EXPECT_EQ(sts.template_.spec.termination_grace_period_seconds, 1800);
  const kube::Container& node = sts.template_.spec.containers[0];
  EXPECT_EQ(node.ports.size(), 4u);
  EXPECT_EQ(node.ports[3].name, "cql");
  EXPECT_EQ(node.cpu_limit_millicores, 500);
  EXPECT_EQ(node.memory_request_bytes, 1LL << 30);
  EXPECT_EQ(node.readiness_probe->action, kube::Probe::Action::exec);
  EXPECT_EQ(node.readiness_probe->initial_delay_seconds, 15);
  EXPECT_EQ(node.readiness_probe->timeout_seconds, 5);
  EXPECT_FALSE(node.pre_stop->sleep_seconds.has_value());  // nodetool drain

  const Loaded tf = load({"kubernetes-examples/tf-serving-ingress"});
  EXPECT_EQ(tf.set.deployments.size(), 1u);
  EXPECT_EQ(tf.set.services.size(), 1u);
  EXPECT_EQ(tf.set.ingresses.size(), 1u);
  EXPECT_EQ(tf.set.unknown_kinds, (std::map<std::string, int>{{"PersistentVolume", 1}, {"PersistentVolumeClaim", 1}}));
  EXPECT_EQ(tf.set.ingresses[0].rules[0].paths[0].path, "/tf(/|$)(.*)");
  EXPECT_EQ(tf.set.services[0].ports.size(), 2u);
}

TEST(RealManifests, KubernetesDocs) {
  const Loaded access = load({"kubernetes-website/service-access"});
  EXPECT_EQ(access.set.deployments.size(), 2u);
  EXPECT_EQ(access.set.services.size(), 2u);
  EXPECT_EQ(count_type(access.set, kube::ServiceType::load_balancer), 1);
  EXPECT_EQ(named(access.set.services, "hello").ports[0].target_port, (kube::PortRef{0, "http"}));
  EXPECT_EQ(named(access.set.deployments, "backend").replicas, 3);

  const Loaded kyaml = load({"kubernetes-website/ingress-kyaml"});
  ASSERT_EQ(kyaml.set.ingresses.size(), 2u);
  const kube::Ingress& vhost = named(kyaml.set.ingresses, "name-virtual-host-ingress");
  ASSERT_EQ(vhost.rules.size(), 2u);
  EXPECT_EQ(vhost.rules[1].host, "bar.foo.com");
  EXPECT_EQ(kyaml.warnings()[0],
            "kubernetes-website/ingress-kyaml/name-virtual-host-ingress.yaml:17:21: warning: "
            "spec.rules[0].http.paths[0].backend.service.name: ingress 'name-virtual-host-ingress' (namespace "
            "default): backend service 'service1' does not exist in namespace default");
  const kube::Ingress& fanout = named(kyaml.set.ingresses, "simple-fanout-example");
  EXPECT_EQ(fanout.rules[0].paths[0].backend.service_port.number, 4200);

  const Loaded secure = load({"kubernetes-website/nginx-secure-app-kyaml"});
  const kube::Service& my_nginx = named(secure.set.services, "my-nginx");
  EXPECT_EQ(my_nginx.type, kube::ServiceType::node_port);
  ASSERT_EQ(my_nginx.ports.size(), 2u);
  EXPECT_EQ(my_nginx.ports[0].target_port.number, 80);
  EXPECT_EQ(my_nginx.ports[1].target_port.number, 443);  // omitted: same as port

  const Loaded dns = load({"kubernetes-website/pods-dns"});
  EXPECT_EQ(dns.set.pods.size(), 5u);
  EXPECT_EQ(dns.set.services.size(), 1u);
  EXPECT_TRUE(dns.set.services[0].headless());
  const kube::PodSpec& custom = named(dns.set.pods, "dns-example").spec;
  EXPECT_EQ(custom.dns_policy, kube::DnsPolicy::none);
  ASSERT_TRUE(custom.dns_config.has_value());
  EXPECT_EQ(custom.dns_config->nameservers, std::vector<std::string>{"192.0.2.1"});
  EXPECT_EQ(custom.dns_config->searches.size(), 2u);
  EXPECT_EQ(custom.dns_config->ndots, 2);
  EXPECT_EQ(custom.dns_config->options.size(), 2u);
  EXPECT_EQ(custom.dns_config->options[1], (std::pair<std::string, std::string>{"edns0", ""}));
  const kube::PodSpec& host = named(dns.set.pods, "busybox").spec;
  EXPECT_TRUE(host.host_network);
  EXPECT_EQ(host.dns_policy, kube::DnsPolicy::cluster_first_with_host_net);
  const kube::Pod& busybox1 = named(dns.set.pods, "busybox1");
  EXPECT_EQ(busybox1.spec.hostname, "busybox-1");
  EXPECT_EQ(busybox1.spec.subdomain, "default-subdomain");
  EXPECT_TRUE(dns.set.services[0].selects(busybox1.meta.labels));

  const Loaded graceful = load({"kubernetes-website/graceful-termination"});
  ASSERT_EQ(graceful.set.deployments.size(), 1u);
  EXPECT_EQ(graceful.set.services.size(), 1u);
  const kube::PodSpec& nginx = graceful.set.deployments[0].template_.spec;
  EXPECT_EQ(nginx.termination_grace_period_seconds, 120);
  ASSERT_TRUE(nginx.containers[0].pre_stop.has_value());
  EXPECT_EQ(nginx.containers[0].pre_stop->sleep_seconds, 180);  // sh -c "sleep 180"
}

TEST(RealManifests, ServiceTypesDocs) {
  const Loaded ext = load({"kubernetes-website/service-types-docs/externalname.yaml"});
  ASSERT_EQ(ext.set.services.size(), 1u);
  const kube::Service& e = ext.set.services[0];
  EXPECT_EQ(e.type, kube::ServiceType::external_name);
  EXPECT_EQ(e.meta.namespace_, "prod");
  EXPECT_EQ(e.external_name, "my.database.example.com");
  EXPECT_FALSE(e.selector.has_value());
  EXPECT_TRUE(e.ports.empty());

  const Loaded fixed = load({"kubernetes-website/service-types-docs/nodeport-fixed.yaml"});
  ASSERT_EQ(fixed.set.services.size(), 1u);
  EXPECT_EQ(fixed.set.services[0].type, kube::ServiceType::node_port);
  EXPECT_EQ(fixed.set.services[0].ports[0].node_port, 30007);
  EXPECT_EQ(fixed.warnings(),
            std::vector<std::string>{"kubernetes-website/service-types-docs/nodeport-fixed.yaml:1:1: warning: "
                                     "spec.selector: service 'my-service' (namespace default): selector "
                                     "app.kubernetes.io/name=MyApp matches no pod template of any workload or Pod "
                                     "in namespace default, so it has no endpoints"});

  const Loaded lb = load({"kubernetes-website/service-types-docs/loadbalancer-with-status.yaml"});
  const kube::Service& l = lb.set.services.at(0);
  EXPECT_EQ(l.type, kube::ServiceType::load_balancer);
  EXPECT_EQ(l.cluster_ip, "10.0.171.239");
  EXPECT_EQ(l.load_balancer_ingress, std::vector<std::string>{"192.0.2.127"});

  const Loaded multi = load({"kubernetes-website/service-types-docs/multi-port.yaml"});
  const kube::Service& m = multi.set.services.at(0);
  ASSERT_EQ(m.ports.size(), 2u);
  EXPECT_EQ(m.ports[1].name, "https");
  EXPECT_EQ(m.ports[1].port, 443);
  EXPECT_EQ(m.ports[1].target_port.number, 9377);

  const Loaded ips = load({"kubernetes-website/service-types-docs/external-ips.yaml"});
  EXPECT_EQ(ips.set.services.at(0).external_ips, std::vector<std::string>{"198.51.100.32"});

  const Loaded manual = load({"kubernetes-website/service-types-docs/selectorless-with-endpointslice.yaml"});
  ASSERT_EQ(manual.set.services.size(), 1u);
  ASSERT_EQ(manual.set.endpoint_slices.size(), 1u);
  EXPECT_FALSE(manual.set.services[0].selector.has_value());
  const kube::EndpointSlice& slice = manual.set.endpoint_slices[0];
  EXPECT_EQ(slice.service_name(), "my-service");
  EXPECT_EQ(slice.address_type, kube::AddressType::ipv4);
  ASSERT_EQ(slice.endpoints.size(), 2u);
  EXPECT_EQ(slice.endpoints[1].addresses, std::vector<std::string>{"10.1.2.3"});
  EXPECT_FALSE(slice.endpoints[0].conditions.ready.has_value());
  ASSERT_EQ(slice.ports.size(), 1u);
  EXPECT_EQ(slice.ports[0].name, "");
  EXPECT_EQ(slice.ports[0].port, 9376);
  EXPECT_EQ(slice.ports[0].app_protocol, "http");
}

// --- semantics of single objects ------------------------------------------------------

TEST(ManifestLoader, DefaultPolicyTypes) {
  const Loaded l = parse(R"(
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: ingress-only}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {team: web}}
      podSelector: {matchExpressions: [{key: tier, operator: In, values: [frontend]}]}
    - ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}
    ports:
    - {port: 5432, endPort: 5440}
    - {port: metrics, protocol: UDP}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: with-egress}
spec:
  podSelector: {}
  egress:
  - to: [{podSelector: {}}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: empty-egress}
spec:
  egress: []
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: explicit}
spec:
  podSelector: {}
  policyTypes: [Egress]
)");
  EXPECT_EQ(l.errors(), std::vector<std::string>{});
  ASSERT_EQ(l.set.network_policies.size(), 4u);
  const kube::NetworkPolicy& a = l.set.network_policies[0];
  EXPECT_TRUE(a.policy_ingress);
  EXPECT_FALSE(a.policy_egress);
  EXPECT_EQ(a.pod_selector.to_string(), "app=db");
  const kube::NetworkPolicyPeer& peer = a.ingress.at(0).peers.at(0);
  EXPECT_TRUE(peer.namespace_selector->matches({{"team", "web"}}));
  EXPECT_TRUE(peer.pod_selector->matches({{"tier", "frontend"}}));
  EXPECT_EQ(a.ingress[0].peers[1].ip_block->except, std::vector<std::string>{"10.1.0.0/16"});
  EXPECT_EQ(a.ingress[0].ports[0].end_port, 5440);
  EXPECT_EQ(a.ingress[0].ports[1].port, (kube::PortRef{0, "metrics"}));
  EXPECT_EQ(a.ingress[0].ports[1].protocol, kube::Protocol::udp);
  EXPECT_TRUE(l.set.network_policies[1].policy_ingress);
  EXPECT_TRUE(l.set.network_policies[1].policy_egress);  // it has an egress rule
  EXPECT_TRUE(l.set.network_policies[2].policy_ingress);
  EXPECT_FALSE(l.set.network_policies[2].policy_egress);  // no egress rule
  EXPECT_TRUE(l.set.network_policies[2].pod_selector.empty());
  EXPECT_FALSE(l.set.network_policies[3].policy_ingress);
  EXPECT_TRUE(l.set.network_policies[3].policy_egress);
}

TEST(ManifestLoader, RollingUpdateCountsAndPercentages) {
  const Loaded l = parse(R"(
apiVersion: apps/v1
kind: Deployment
metadata: {name: a}
spec:
  replicas: 10
  selector: {matchLabels: {app: a}}
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: "50%", maxUnavailable: 0}}
  template:
    metadata: {labels: {app: a}}
    spec: {containers: [{name: c, image: x}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: b}
spec:
  selector: {matchLabels: {app: b}}
  strategy: {type: Recreate}
  template:
    metadata: {labels: {app: b}}
    spec: {containers: [{name: c, image: x}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: c}
spec:
  selector: {matchLabels: {app: c}}
  strategy:
    rollingUpdate:
      maxSurge: 0
      maxUnavailable: 0
  template:
    metadata: {labels: {app: c}}
    spec: {containers: [{name: c, image: x}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  selector: {matchLabels: {app: d}}
  strategy:
    rollingUpdate:
      maxSurge: lots
      maxUnavailable: "1"
  template:
    metadata: {labels: {app: d}}
    spec: {containers: [{name: c, image: x}]}
)");
  ASSERT_EQ(l.set.deployments.size(), 2u);
  const kube::Deployment& a = l.set.deployments[0];
  EXPECT_EQ(a.strategy.max_surge, (kube::IntOrPercent{50, true}));
  EXPECT_EQ(a.strategy.max_unavailable, (kube::IntOrPercent{0, false}));
  EXPECT_EQ(a.strategy.max_surge.resolve(a.replicas, true), 5);
  EXPECT_EQ(l.set.deployments[1].strategy.type, kube::DeploymentStrategy::Type::recreate);
  EXPECT_EQ(l.errors(), (std::vector<std::string>{
                            "test.yaml:30:7: error: spec.strategy.rollingUpdate: maxSurge and maxUnavailable must "
                            "not both be 0: the rollout could never progress",
                            "test.yaml:43:17: error: spec.strategy.rollingUpdate.maxSurge: expected a count such "
                            "as 1 or a percentage such as 25%, got 'lots'",
                            "test.yaml:44:23: error: spec.strategy.rollingUpdate.maxUnavailable: expected a count "
                            "such as 1 or a percentage such as 25%, got '1'",
                        }));
}

TEST(ManifestLoader, ResolvesNamedTargetPortsAndDefaults) {
  const Loaded l = parse(R"(
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  sessionAffinity: ClientIP
  ports:
  - {name: http, port: 80, targetPort: http}
  - {name: dns, port: 53, protocol: UDP, targetPort: dns}
  - {name: admin, port: 9000}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web, namespace: shop}
spec:
  serviceName: web
  podManagementPolicy: Parallel
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: server
        image: x
        ports: [{name: http, containerPort: 8080}, {name: dns, containerPort: 5353, protocol: UDP}]
        resources: {limits: {cpu: 2, memory: 1Gi}}
        lifecycle: {preStop: {sleep: {seconds: 5}}}
)");
  EXPECT_EQ(l.errors(), std::vector<std::string>{});
  EXPECT_EQ(l.warnings(), std::vector<std::string>{});
  const kube::Service& svc = l.set.services.at(0);
  EXPECT_EQ(svc.meta.namespace_, "shop");
  EXPECT_EQ(svc.session_affinity, kube::SessionAffinity::client_ip);
  EXPECT_EQ(svc.session_affinity_timeout_seconds, 10800);
  EXPECT_EQ(svc.ports[2].target_port, (kube::PortRef{9000, ""}));
  const kube::StatefulSet& sts = l.set.stateful_sets.at(0);
  EXPECT_EQ(sts.pod_management_policy, kube::PodManagementPolicy::parallel);
  const kube::PodSpec& spec = sts.template_.spec;
  EXPECT_EQ(kube::resolve_port(spec, svc.ports[0].target_port, svc.ports[0].protocol), 8080);
  EXPECT_EQ(kube::resolve_port(spec, svc.ports[1].target_port, svc.ports[1].protocol), 5353);
  const kube::Container& c = spec.containers[0];
  EXPECT_EQ(c.cpu_request_millicores, 2000);  // a limit alone sets the request
  EXPECT_EQ(c.memory_request_bytes, 1LL << 30);
  EXPECT_EQ(c.pre_stop->action, kube::PreStopHook::Action::sleep);
  EXPECT_EQ(c.pre_stop->sleep_seconds, 5);
}

TEST(ManifestLoader, ListKindAndUnknownKinds) {
  const Loaded l = parse(R"(
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Service
  metadata: {name: a}
  spec: {ports: [{port: eighty}]}
- {apiVersion: v1, kind: ConfigMap, metadata: {name: c1}}
- {apiVersion: v1, kind: Namespace, metadata: {name: team-a}}
---
{apiVersion: v1, kind: ConfigMap, metadata: {name: c2}}
---
apiVersion: serving.knative.dev/v1
kind: Service
metadata: {name: hello}
spec: {template: {spec: {containers: [{image: x}]}}}
)");
  EXPECT_EQ(l.errors(), std::vector<std::string>{
                            "test.yaml:8:25: error: items[0].spec.ports[0].port: expected an integer from 1 to "
                            "65535, got 'eighty'"});
  EXPECT_TRUE(l.set.services.empty());  // an object with errors is left out
  EXPECT_EQ(l.set.namespaces.size(), 1u);
  EXPECT_EQ(l.set.unknown_kinds,
            (std::map<std::string, int>{{"ConfigMap", 2}, {"Service.serving.knative.dev", 1}}));
  EXPECT_EQ(l.notices(), (std::vector<std::string>{
                             "test.yaml:9:26: notice: items[1].kind: ConfigMap (v1) is not modelled by podwire; the 2 "
                             "objects of this kind in this file are ignored",
                             "test.yaml:15:7: notice: kind: Service (serving.knative.dev/v1) is not modelled by "
                             "podwire; this object is ignored"}));
}

TEST(ManifestLoader, EmptyTextsHaveNoObjectsAndNoDiagnostics) {
  for (const char* text : {"", "\n\n", "# only a comment\n", "---\n", "---\n---\n...\n"}) {
    const Loaded l = parse(text);
    EXPECT_EQ(l.set.object_count(), 0u) << text;
    EXPECT_TRUE(l.diagnostics.items().empty()) << text;
  }
}

// --- errors ------------------------------------------------------------------------------

TEST(ManifestErrors, BadPortTypes) {
  const Loaded l = parse(R"(apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
  - port: http
    targetPort: 70000
  - port: 8080
    targetPort: "8080"
    nodePort: 30080
  - port: 9090
    targetPort: Metrics
)");
  EXPECT_EQ(l.errors(), (std::vector<std::string>{
                            "test.yaml:9:5: error: spec.ports[0].name: missing; expected a port name: every port of "
                            "a multi-port Service needs one",
                            "test.yaml:9:11: error: spec.ports[0].port: expected an integer from 1 to 65535, got 'http'",
                            "test.yaml:10:17: error: spec.ports[0].targetPort: expected a port number from 1 to 65535 "
                            "or a port name, got '70000'",
                            "test.yaml:11:5: error: spec.ports[1].name: missing; expected a port name: every port of "
                            "a multi-port Service needs one",
                            "test.yaml:12:17: error: spec.ports[1].targetPort: a quoted number is a port name to "
                            "Kubernetes, and port names need a letter; write 8080 without quotes",
                            "test.yaml:13:15: error: spec.ports[1].nodePort: nodePort may only be given for NodePort "
                            "and LoadBalancer Services, not ClusterIP",
                            "test.yaml:14:5: error: spec.ports[2].name: missing; expected a port name: every port of "
                            "a multi-port Service needs one",
                            "test.yaml:15:17: error: spec.ports[2].targetPort: expected a port number from 1 to 65535 "
                            "or a port name, got 'Metrics' (a port name may contain only lowercase letters, digits "
                            "and '-')",
                        }));
  EXPECT_TRUE(l.set.services.empty());
}

TEST(ManifestErrors, SyntaxErrorsAreLocatedAndOtherDocumentsStillLoad) {
  const Loaded l = parse(R"(apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports: [80, 81
---
apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
kind: Pod
 metadata: x
)");
  EXPECT_EQ(l.errors(), (std::vector<std::string>{
                            "test.yaml:7:1: error: YAML syntax error: end of sequence flow not found",
                            "test.yaml:14:10: error: YAML syntax error: illegal map value",
                        }));
  ASSERT_EQ(l.set.namespaces.size(), 1u);
  EXPECT_EQ(l.set.namespaces[0].meta.name, "shop");
  EXPECT_EQ(l.set.namespaces[0].source.line, 8);
}

// yaml-cpp 0.7 alone would loop, allocating, on a top-level ',' (yaml-cpp#1040).
TEST(ManifestErrors, StrayTopLevelCommaIsASyntaxError) {
  const Loaded l = parse("apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n, stray\n---\n"
                         "apiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n");
  EXPECT_EQ(l.errors(), std::vector<std::string>{
                            "test.yaml:5:1: error: YAML syntax error: unexpected ',' outside a flow collection"});
  ASSERT_EQ(l.set.namespaces.size(), 2u);
  EXPECT_EQ(l.set.namespaces[1].meta.name, "b");
  const Loaded alone = parse("- a\n,\n");
  EXPECT_EQ(alone.errors(), std::vector<std::string>{
                                "test.yaml:2:1: error: YAML syntax error: unexpected ',' outside a flow collection"});
}

TEST(ManifestErrors, NotKubernetesObjects) {
  const Loaded text = parse("This is a README, not a manifest.\n");
  EXPECT_EQ(text.errors(), std::vector<std::string>{
                               "test.yaml:1:1: error: expected a Kubernetes object (a mapping with apiVersion, kind "
                               "and metadata), got the text 'This is a README, not a manifest.'"});
  const Loaded list = parse("- a\n- b\n");
  EXPECT_EQ(list.errors(), std::vector<std::string>{
                               "test.yaml:1:1: error: expected a Kubernetes object (a mapping with apiVersion, kind "
                               "and metadata), got a list"});
  const Loaded bare = parse("metadata: {name: x}\nspec: {}\n");
  EXPECT_EQ(bare.errors(), (std::vector<std::string>{
                               "test.yaml:1:1: error: apiVersion: missing; expected the object's API version, such "
                               "as apps/v1",
                               "test.yaml:1:1: error: kind: missing; expected the object's kind, such as Deployment"}));
}

TEST(ManifestErrors, WorkloadStructure) {
  const Loaded l = parse(R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: no-template}
spec:
  selector: {matchLabels: {app: a}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: scalar-selector}
spec:
  selector: app=a
  template:
    metadata: {labels: {app: a}}
    spec: {containers: [{name: c, image: x}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: mismatch}
spec:
  selector: {matchLabels: {app: a}}
  template:
    metadata:
      labels: {app: b}
    spec:
      containers:
      - name: c
        resources: {requests: {cpu: lots, memory: 2Gi}, limits: {memory: 1Gi}}
---
apiVersion: v1
kind: Service
metadata: {name: s}
spec:
  selector: [app, web]
  ports: [{port: 80}]
)");
  EXPECT_EQ(l.errors(), (std::vector<std::string>{
                            "test.yaml:5:3: error: spec.template: missing; expected a pod template (metadata.labels "
                            "and spec)",
                            "test.yaml:11:13: error: spec.selector: expected a label selector (a mapping with "
                            "matchLabels and/or matchExpressions), got 'app=a'",
                            "test.yaml:23:15: error: spec.template.metadata.labels: the selector app=a does not "
                            "select these labels; Kubernetes rejects a workload whose selector does not match its "
                            "pod template",
                            "test.yaml:27:37: error: spec.template.spec.containers[0].resources.requests.cpu: 'lots' "
                            "is not a Kubernetes quantity such as 100m, 0.5, 64Mi or 1e3",
                            "test.yaml:27:51: error: spec.template.spec.containers[0].resources.requests.memory: the "
                            "memory request must not exceed the memory limit",
                            "test.yaml:33:13: error: spec.selector: expected a mapping of label keys to values, got a "
                            "list",
                        }));
  EXPECT_EQ(l.set.object_count(), 0u);
}

TEST(ManifestErrors, DuplicateObjectsAndKeys) {
  const Loaded l = parse(R"(apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: other}
spec: {ports: [{port: 80}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec:
  containers: [{name: c, image: x}]
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: default
spec:
  selector: {app: web}
  ports: [{port: 80}]
  ports: [{port: 81}]
)");
  EXPECT_EQ(l.errors(), (std::vector<std::string>{
                            "test.yaml:17:1: error: metadata.name: service 'web' (namespace default) is defined "
                            "twice: at test.yaml:1:1 and at test.yaml:17:1",
                            "test.yaml:25:3: error: spec.ports: key 'ports' is given twice in this mapping (first at "
                            "line 24)",
                        }));
  // The Service in namespace `other` has neither selector nor EndpointSlice.
  EXPECT_EQ(l.warnings(), std::vector<std::string>{
                              "test.yaml:6:1: warning: spec.selector: service 'web' (namespace other) has no selector "
                              "and no EndpointSlice names it (label kubernetes.io/service-name), so it has no "
                              "endpoints"});
}

TEST(ManifestErrors, TwoContainersOnOnePort) {
  const Loaded l = parse(R"(apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: kube-system}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers:
      - name: app
        ports: [{containerPort: 8080}, {containerPort: 53, protocol: UDP}]
      - name: sidecar
        ports:
        - containerPort: 53
        - containerPort: 8080
)");
  EXPECT_EQ(l.errors(), std::vector<std::string>{
                            "test.yaml:15:11: error: spec.template.spec.containers[1].ports[1].containerPort: "
                            "daemonset 'agent' (namespace kube-system): containers 'app' and 'sidecar' both declare "
                            "containerPort 8080/TCP; the containers of a pod share one network namespace, so only "
                            "one of them can bind it"});
}

TEST(ManifestErrors, UnknownTargetPortName) {
  const Loaded l = parse(R"(apiVersion: v1
kind: Service
metadata: {name: frontend}
spec:
  selector: {app: guestbook}
  ports:
  - port: 80
    targetPort: http-server
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: frontend}
spec:
  selector: {matchLabels: {app: guestbook}}
  template:
    metadata: {labels: {app: guestbook, tier: frontend}}
    spec:
      containers:
      - name: php
        ports: [{name: http, containerPort: 80}]
---
apiVersion: v1
kind: Pod
metadata: {name: debug, labels: {app: guestbook}}
spec:
  containers:
  - name: shell
    ports: [{name: http-server, containerPort: 80}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  rules:
  - http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: frontend, port: {number: 8080}}}}
      - {path: /api, pathType: Prefix, backend: {service: {name: api, port: {name: http}}}}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: api-1, labels: {kubernetes.io/service-name: api}}
addressType: IPv4
endpoints: [{addresses: [10.0.0.1]}]
)");
  EXPECT_EQ(l.errors(), std::vector<std::string>{
                            "test.yaml:8:17: error: spec.ports[0].targetPort: service 'frontend' (namespace default): "
                            "targetPort 'http-server' is not declared by any container of the pods it selects "
                            "(deployment frontend); Kubernetes would give the Service no endpoints on those pods for "
                            "this port"});
  EXPECT_EQ(l.warnings(), (std::vector<std::string>{
                              "test.yaml:37:88: warning: spec.rules[0].http.paths[0].backend.service.port: ingress "
                              "'web' (namespace default): backend service 'frontend' has no port 8080 (its ports: 80)",
                              "test.yaml:38:66: warning: spec.rules[0].http.paths[1].backend.service.name: ingress "
                              "'web' (namespace default): backend service 'api' does not exist in namespace default",
                              "test.yaml:40:1: warning: metadata.labels: endpointslice 'api-1' (namespace default): "
                              "service 'api' (label kubernetes.io/service-name) does not exist in namespace default",
                          }));
}

TEST(ManifestErrors, FilesAndFolders) {
  const fs::path dir = fs::path(::testing::TempDir()) / "podwire_manifest_loader_test";
  fs::remove_all(dir);
  fs::create_directories(dir / "sub");
  const auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
  };
  write("b.yml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n");
  write("a.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n");
  write("sub/empty.yaml", "");
  write("sub/binary.yaml", std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16));
  write("notes.txt", "not read");
  write("kustomization.yaml", "resources: [a.yaml]\n");

  Diagnostics d;
  const ManifestSet s = load_manifests({dir.string(), (dir / "a.yaml").string(), (dir / "missing.yaml").string()}, d);
  const std::string root = dir.generic_string() + "/";
  std::vector<std::string> files;
  for (const std::string& f : s.files) files.push_back(f.substr(root.size()));
  EXPECT_EQ(files, (std::vector<std::string>{"a.yaml", "b.yml", "sub/binary.yaml", "sub/empty.yaml"}));
  ASSERT_EQ(s.namespaces.size(), 2u);  // a.yaml given twice is read once
  EXPECT_EQ(s.namespaces[0].meta.name, "a");
  std::vector<std::string> lines;
  for (const Diagnostic& x : d.sorted()) {
    std::string line = x.to_string();
    if (line.rfind(root, 0) == 0) line.erase(0, root.size());
    lines.push_back(line);
  }
  EXPECT_EQ(lines, (std::vector<std::string>{
                       "kustomization.yaml: notice: kustomization files are not expanded; the folder's manifests are "
                       "read as they are",
                       "missing.yaml: error: no such file or folder",
                       "sub/binary.yaml:3:3: error: YAML syntax error: unknown escape character: \\x00",
                   }));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace podwire::scenario
