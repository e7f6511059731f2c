// Signal: a typed hook that models emit and observers (trace writers,
// statistics) connect to from outside. With nobody connected an emit is one
// predictable branch, so models can emit on hot paths.
#pragma once

#include <cstddef>
#include <vector>

namespace podwire::engine {

template <class... Args>
class Signal {
 public:
  using Handler = void (*)(void* context, Args... args);

  void connect(Handler handler, void* context) { slots_.push_back(Slot{handler, context}); }

  // Member-function form: signal.connect<&Writer::on_drop>(&writer).
  template <auto Method, class T>
  void connect(T* object) {
    connect([](void* c, Args... args) { (static_cast<T*>(c)->*Method)(args...); }, object);
  }

  // Removes every handler connected with `context` (an observer that goes
  // before the model it listens to). O(handlers).
  void disconnect(const void* context) {
    std::erase_if(slots_, [context](const Slot& s) { return s.context == context; });
  }
  bool connected() const { return !slots_.empty(); }

  void emit(Args... args) const {
    if (slots_.empty()) [[likely]]
      return;
    for (const Slot& s : slots_) s.handler(s.context, args...);
  }

 private:
  struct Slot {
    Handler handler;
    void* context;
  };
  std::vector<Slot> slots_;
};

}  // namespace podwire::engine
