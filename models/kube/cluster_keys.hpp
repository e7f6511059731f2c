// The keys of Cluster's hash indexes: "ns/name" for objects, "ns\0key=value"
// for labels; one definition for the cluster*.cpp files that fill the indexes
// and those that read them. Private to models/kube.
#pragma once

#include <string>
#include <string_view>

namespace podwire::kube::cluster_keys {

inline std::string key_of(std::string_view ns, std::string_view name) {
  std::string k(ns);
  k += '/';
  k += name;
  return k;
}

inline std::string label_key(std::string_view ns, const std::string& k, const std::string& v) {
  std::string s(ns);
  s += '\0';
  s += k;
  s += '=';
  s += v;
  return s;
}

}  // namespace podwire::kube::cluster_keys
