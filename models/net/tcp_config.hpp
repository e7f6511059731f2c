// TcpConfig: every parameter of the TCP model, with Linux defaults and where
// each default comes from. One config per TcpStack; its connections share it.
#pragma once

#include <cstdint>

#include "engine/time.hpp"
#include "models/net/packet.hpp"
#include "models/net/tcp_congestion.hpp"

namespace podwire::net {

// Bytes a segment carries besides payload: IPv4 + TCP + timestamp option.
inline constexpr std::uint32_t kTcpSegmentOverhead = kIpv4Header + kTcpHeader + kTcpTimestampOption;
// SYN and SYN-ACK carry MSS (4), SACK-permitted (2), timestamps (10), window
// scale (3) and a NOP: 20 option bytes, so 60 B on the wire, as Linux sends them.
inline constexpr std::uint32_t kTcpSynBytes = kIpv4Header + kTcpHeader + 20;
// A reset for a segment that matches no connection carries no options (Linux
// tcp_v4_send_reset): 40 B.
inline constexpr std::uint32_t kTcpResetBytes = kIpv4Header + kTcpHeader;

struct TcpConfig {
  std::uint32_t mtu = 1500;                       // Ethernet; MSS = mtu - 52 = 1448
  engine::Time initial_rto = engine::Time::s(1);  // RFC 6298 (2.1); Linux TCP_TIMEOUT_INIT
  engine::Time min_rto = engine::Time::ms(200);   // Linux TCP_RTO_MIN (include/net/tcp.h)
  engine::Time max_rto = engine::Time::s(120);    // Linux TCP_RTO_MAX
  std::uint32_t syn_retries = 6;             // Linux net.ipv4.tcp_syn_retries: gives up after 127 s
  std::uint32_t synack_retries = 5;          // Linux net.ipv4.tcp_synack_retries
  std::uint32_t retries2 = 15;               // Linux net.ipv4.tcp_retries2: ~924.6 s at min RTO
  std::uint32_t dupack_threshold = 3;        // RFC 5681 (3.2) fast retransmit
  std::uint32_t initial_cwnd_segments = 10;  // RFC 6928; Linux TCP_INIT_CWND
  std::uint64_t receive_buffer = 6 * 1024 * 1024;  // Linux tcp_rmem max (6 MiB autotuning ceiling)
  // Linux's ACK policy (net/ipv4/tcp_input.c __tcp_ack_snd_check): ACK at
  // once when more than a full segment is unacknowledged, out of order, or in
  // quickack mode — the first `quickacks` ACKs after a connection's first data
  // (tcp_incr_quickack, TCP_MAX_QUICKACKS) or after a gap longer than the RTO —
  // unless the connection is interactive (pingpong: it answered within
  // ack_delay of receiving, `pingpong_threshold` times; TCP_PINGPONG_THRESH of
  // Linux 5.1 on), so a request's ACK rides its answer. Otherwise the ACK
  // waits up to ack_delay for data to ride on. Off: ACK every segment.
  bool delayed_ack = true;
  engine::Time ack_delay = engine::Time::ms(40);  // Linux TCP_ATO_MIN
  std::uint32_t quickacks = 16;                   // Linux TCP_MAX_QUICKACKS
  std::uint32_t pingpong_threshold = 3;           // Linux TCP_PINGPONG_THRESH
  // How long a connection that closed first stays in TIME_WAIT, answering its
  // peer's late segments; Linux keeps it 60 s (TCP_TIMEWAIT_LEN). Zero frees the
  // connection at once (its 4-tuple stays taken for `time_wait_ports`): initial
  // sequence numbers of successive connections are 2^32 apart, so stray old
  // segments miss the window.
  engine::Time time_wait = engine::Time::zero();
  // How long a connection that closed first keeps its 4-tuple (local address
  // and port, remote address and port) from connect(), counted from its entry
  // into TIME_WAIT, whatever `time_wait` does with the connection: Linux's
  // TCP_TIMEWAIT_LEN, 60 s. A port is taken per destination, as in
  // __inet_hash_connect, so it may serve another address or port meanwhile;
  // with none left toward a destination connect() fails (EADDRNOTAVAIL).
  // tcp_tw_reuse's default (2) reuses such a port toward 127.0.0.0/8 only,
  // after 1 s (its timestamp check), so loopback holds at most `kLoopbackReuse`.
  engine::Time time_wait_ports = engine::Time::s(60);
  static constexpr engine::Time kLoopbackReuse = engine::Time::s(1);
  // After Linux TCP Small Queues (net.ipv4.tcp_limit_output_bytes: 1 MiB from
  // 4.20, commit c73e5807e4f6): a connection sends nothing while its host's
  // uplink has this many bytes waiting, so a fast sender is held back by its own
  // NIC instead of dropped by it. Linux counts per socket; this counts the
  // uplink's whole queue, which keeps several local senders from overflowing it
  // too. Keep it below the uplink's queue limit. 0 turns it off.
  std::uint64_t local_queue_limit = 1024 * 1024;
  // Ephemeral ports for connect(): Linux net.ipv4.ip_local_port_range.
  std::uint16_t ephemeral_first = 32768;
  std::uint16_t ephemeral_last = 60999;
  CongestionAlgorithm congestion = CongestionAlgorithm::new_reno;
  // Send data ECN-capable, echo CE marks as ECE and react once per window
  // (RFC 3168). Linux's default tcp_ecn=2 does not ask for ECN, hence false.
  bool ecn = false;

  std::uint32_t mss() const { return mtu - kTcpSegmentOverhead; }
};

// std::invalid_argument naming the field for a config the model cannot run.
void validate(const TcpConfig& config);

}  // namespace podwire::net
