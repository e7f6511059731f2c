// Link: one direction of a full-duplex cable with its egress port: a drop-tail
// FIFO limited in packets and bytes (optional ECN marking above a threshold),
// serialisation at the link rate, then propagation. Store-and-forward: the far
// end receives a packet when its last bit arrives. A packet that finds the port
// idle starts at once; otherwise only the head of the queue has an event.
#pragma once

#include <cstdint>
#include <string>

#include "engine/ring_queue.hpp"
#include "engine/signal.hpp"
#include "engine/simulator.hpp"
#include "engine/units.hpp"
#include "models/net/delay_line.hpp"
#include "models/net/packet_pool.hpp"
#include "models/net/packet_sink.hpp"

namespace podwire::net {

struct LinkConfig {
  engine::BitRate rate = engine::BitRate(10'000'000'000);
  engine::Time propagation = engine::Time::us(1);
  // Packets waiting, not counting the one being transmitted (as Linux qdiscs
  // and ns-3 count); an arrival that finds this many waiting is dropped.
  std::uint32_t queue_packets = 1000;
  std::int64_t queue_bytes = 0;          // bytes waiting; 0 means no byte limit
  std::int64_t ecn_threshold_bytes = 0;  // mark ECN-capable packets above this; 0 is off
};

struct LinkCounters {
  std::uint64_t packets = 0;  // transmitted
  std::uint64_t bytes = 0;
  std::uint64_t drops = 0;
  std::uint64_t dropped_bytes = 0;
  std::uint64_t ecn_marks = 0;
  engine::Time busy;  // total serialisation time of transmitted packets
};

class Link final : public PacketSink {
 public:
  // std::invalid_argument naming the parameter when the rate is not positive,
  // the propagation delay negative or the queue limit zero.
  Link(engine::Simulator& sim, PacketPool& pool, LinkConfig config, std::string name);

  void connect(PacketSink* far_end) { wire_.connect(far_end); }
  void receive(Packet& p) override;

  const LinkConfig& config() const { return config_; }
  const std::string& name() const { return name_; }
  const LinkCounters& counters() const { return counters_; }
  std::size_t queued_packets() const { return queue_.size(); }
  std::int64_t queued_bytes() const { return queued_bytes_; }
  bool transmitting() const { return sim_.now() < busy_until_; }
  // Fraction of [0, now] spent serialising (counts packets whose transmission began).
  double utilisation() const;

  // Emitted with the number of packets waiting whenever it changes.
  engine::Signal<engine::Time, std::size_t> queue_length;
  // Emitted for every packet dropped at this port, before it is released.
  engine::Signal<const Packet&> dropped;

 private:
  void start_transmission(Packet& p);
  void on_transmit_done();

  engine::Simulator& sim_;
  PacketPool& pool_;
  LinkConfig config_;
  std::string name_;
  engine::RingQueue<Packet*> queue_;
  std::int64_t queued_bytes_ = 0;
  engine::Time busy_until_;  // end of the current transmission
  bool head_scheduled_ = false;
  DelayLine wire_;
  LinkCounters counters_;
};

}  // namespace podwire::net
