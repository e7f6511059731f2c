// The request table holds what is in flight and a bounded tail of finished
// records, whatever the run's length; every record is still announced once.
#include "models/app/requests.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace podwire::app {
namespace {

using engine::Time;

TEST(RequestTable, MemoryStaysBoundedWhileEveryRecordIsAnnouncedOnce) {
  RequestTable t;
  std::uint64_t announced = 0;
  t.finished.connect([](void* n, const RequestRecord&) { ++*static_cast<std::uint64_t*>(n); },
                     &announced);
  const std::uint64_t slow = t.create().id;  // stays in flight throughout
  for (int i = 0; i < 100000; ++i) {
    const std::uint64_t id = t.create().id;
    t.finish(id, RequestStatus::ok, Time::us(i));
  }
  EXPECT_EQ(t.size(), 100001u);
  EXPECT_EQ(announced, 100000u);
  // The request still in flight pins what came after it: nothing is let go
  // past a pending record, so its reference stays good.
  EXPECT_EQ(t.at(slow).status, RequestStatus::pending);
  t.finish(slow, RequestStatus::timeout, Time::s(1));
  for (int i = 0; i < 10; ++i) t.finish(t.create().id, RequestStatus::ok, Time::s(2));
  EXPECT_LE(t.held(), RequestTable::kKeepFinished + 11);
  // A record let go long ago reads blank and cannot be finished again.
  EXPECT_EQ(t.at(slow).id, 0u);
  t.finish(slow, RequestStatus::reset, Time::s(3));
  EXPECT_EQ(announced, 100011u);
  // The recent tail is still readable.
  EXPECT_EQ(t.at(t.size()).status, RequestStatus::ok);
}

// At the end of a run what is still pending is announced once, unfinished, at
// the end's time; what finished before is left alone.
TEST(RequestTable, FinishPendingAnnouncesWhatIsStillInFlightAsUnfinished) {
  RequestTable t;
  std::vector<std::uint64_t> announced;
  t.finished.connect(
      [](void* v, const RequestRecord& r) {
        static_cast<std::vector<std::uint64_t>*>(v)->push_back(r.id);
      },
      &announced);
  const std::uint64_t a = t.create().id, b = t.create().id, c = t.create().id;
  t.finish(b, RequestStatus::ok, Time::ms(5));
  EXPECT_EQ(t.finish_pending(Time::s(3)), 2u);
  EXPECT_EQ(announced, (std::vector<std::uint64_t>{b, a, c}));
  EXPECT_EQ(t.at(a).status, RequestStatus::unfinished);
  EXPECT_EQ(t.at(c).finished, Time::s(3));
  EXPECT_EQ(t.at(b).status, RequestStatus::ok);
  EXPECT_EQ(t.finish_pending(Time::s(4)), 0u);
  EXPECT_EQ(announced.size(), 3u);
}

}  // namespace
}  // namespace podwire::app
