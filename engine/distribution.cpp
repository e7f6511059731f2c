// Distribution: parameter validation, the less common samplers, analytic means
// and descriptions.
#include "engine/distribution.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <limits>
#include <stdexcept>

namespace podwire::engine {

// Points carry the slope of the segment that ends at them, so a draw is one
// subtraction and one multiply-add after the lookup.
struct Distribution::EmpiricalTable {
  struct Point {
    double p;      // cumulative probability
    double x;      // value
    double slope;  // (x - previous x) / (p - previous p); 0 where p does not rise
  };
  std::vector<Point> points;
  // guide[k]: the first point with p > k / guide.size(). A draw u starts its
  // linear search there, which is O(1) expected (Chen and Asau's guide table).
  std::vector<std::size_t> guide;
  double mean = 0.0;
};

namespace {

// Shortest text that reads back as the same double, so an error shows the exact
// bad value (1e-300 stays 1e-300).
std::string exact(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string short_number(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, 6);
  return std::string(buf, r.ptr);
}

[[noreturn]] void fail(const char* distribution, const std::string& what) {
  throw std::invalid_argument(std::string(distribution) + ": " + what);
}

void require_finite(const char* distribution, const char* parameter, double v) {
  if (!std::isfinite(v))
    fail(distribution, std::string(parameter) + " must be finite, got " + exact(v));
}

void require_positive(const char* distribution, const char* parameter, double v) {
  require_finite(distribution, parameter, v);
  if (!(v > 0.0)) fail(distribution, std::string(parameter) + " must be > 0, got " + exact(v));
}

void require_above(const char* distribution, const char* parameter, double v, const char* other,
                   double bound) {
  require_finite(distribution, parameter, v);
  if (!(v > bound)) {
    fail(distribution, std::string(parameter) + " must be > " + other + ", got " + parameter + "=" +
                           exact(v) + " with " + other + "=" + exact(bound));
  }
}

// -expm1(beta * log_r) / beta, tending to -log_r as beta -> 0; accurate near 0,
// where the bounded Pareto mean formula would otherwise cancel.
double one_minus_pow_over(double beta, double log_r) {
  return beta == 0.0 ? -log_r : -std::expm1(beta * log_r) / beta;
}

}  // namespace

Distribution Distribution::constant(double value) {
  require_finite("constant", "value", value);
  return Distribution(Kind::constant, value);
}

Distribution Distribution::uniform(double lo, double hi) {
  require_finite("uniform", "lo", lo);
  require_above("uniform", "hi", hi, "lo", lo);
  if (!std::isfinite(hi - lo)) fail("uniform", "hi - lo must be finite, got " + exact(hi - lo));
  return Distribution(Kind::uniform, lo, hi - lo, hi);
}

Distribution Distribution::exponential(double mean) {
  require_positive("exponential", "mean", mean);
  return Distribution(Kind::exponential, mean);
}

Distribution Distribution::normal(double mean, double stddev) {
  require_finite("normal", "mean", mean);
  require_positive("normal", "stddev", stddev);
  return Distribution(Kind::normal, mean, stddev);
}

Distribution Distribution::lognormal(double mu, double sigma) {
  require_finite("lognormal", "mu", mu);
  require_positive("lognormal", "sigma", sigma);
  return Distribution(Kind::lognormal, mu, sigma);
}

Distribution Distribution::lognormal_from_mean_stddev(double mean, double stddev) {
  require_positive("lognormal_from_mean_stddev", "mean", mean);
  require_positive("lognormal_from_mean_stddev", "stddev", stddev);
  const double cv = stddev / mean;
  const double sigma2 = std::log1p(cv * cv);
  if (!(sigma2 > 0.0) || !std::isfinite(sigma2)) {
    fail("lognormal_from_mean_stddev",
         "stddev / mean must give a finite sigma > 0, got stddev/mean=" + exact(cv));
  }
  return Distribution(Kind::lognormal, std::log(mean) - 0.5 * sigma2, std::sqrt(sigma2));
}

Distribution Distribution::pareto(double alpha, double x_min) {
  require_positive("pareto", "alpha", alpha);
  require_positive("pareto", "x_min", x_min);
  return Distribution(Kind::pareto, x_min, -1.0 / alpha, alpha);
}

Distribution Distribution::bounded_pareto(double alpha, double lo, double hi) {
  require_positive("bounded_pareto", "alpha", alpha);
  require_positive("bounded_pareto", "lo", lo);
  require_above("bounded_pareto", "hi", hi, "lo", lo);
  const double mass = -std::expm1(alpha * std::log(lo / hi));  // 1 - (lo / hi)^alpha
  if (!(mass > 0.0)) {
    fail("bounded_pareto", "alpha * log(hi / lo) is too small to sample, got alpha=" +
                               exact(alpha) + " hi/lo=" + exact(hi / lo));
  }
  return Distribution(Kind::bounded_pareto, lo, -1.0 / alpha, mass, alpha, hi);
}

Distribution Distribution::empirical(std::vector<std::pair<double, double>> points) {
  const char* name = "empirical";
  if (points.empty()) fail(name, "points must not be empty");
  auto table = std::make_shared<EmpiricalTable>();
  table->points.reserve(points.size());
  for (std::size_t i = 0; i < points.size(); ++i) {
    const auto [x, p] = points[i];
    const std::string at = "points[" + std::to_string(i) + "]";
    if (!std::isfinite(x)) fail(name, at + " value must be finite, got " + exact(x));
    if (!(p >= 0.0 && p <= 1.0)) {
      fail(name, at + " probability must be in [0, 1], got " + exact(p));
    }
    double slope = 0.0;
    if (i > 0) {
      const auto& prev = table->points.back();
      if (x < prev.x) {
        fail(name,
             at + " value must be >= the previous value " + exact(prev.x) + ", got " + exact(x));
      }
      if (p < prev.p) {
        fail(name, at + " probability must be >= the previous probability " + exact(prev.p) +
                       ", got " + exact(p));
      }
      if (p > prev.p) {
        slope = (x - prev.x) / (p - prev.p);
        table->mean += (p - prev.p) * 0.5 * (prev.x + x);
      }
    } else {
      table->mean = p * x;
    }
    table->points.push_back({p, x, slope});
  }
  if (table->points.back().p != 1.0) {
    fail(name, "points[" + std::to_string(points.size() - 1) +
                   "] (the last) probability must be exactly 1, got " +
                   exact(table->points.back().p));
  }
  const std::size_t k_max = table->points.size();
  table->guide.resize(k_max);
  std::size_t i = 0;
  for (std::size_t k = 0; k < k_max; ++k) {
    const double threshold = static_cast<double>(k) / static_cast<double>(k_max);
    while (table->points[i].p <= threshold) ++i;  // stops: the last p is 1 > threshold
    table->guide[k] = i;
  }
  Distribution d(Kind::empirical, 0.0);
  d.table_ = std::move(table);
  return d;
}

double Distribution::sample_other(RandomStream& rng) const {
  switch (kind_) {
    case Kind::uniform:
      return a_ + b_ * rng.uniform01();
    case Kind::normal:
      return a_ + b_ * rng.standard_normal();
    case Kind::lognormal:
      return std::exp(a_ + b_ * rng.standard_normal());
    case Kind::pareto:
      return a_ * std::pow(rng.uniform_open01(), b_);
    case Kind::bounded_pareto:
      // F^-1(u) = lo * (1 - u * mass)^(-1/alpha); log1p keeps small u * mass exact.
      // Rounding may overshoot hi by an ulp, hence the clamp.
      return std::min(a_ * std::exp(b_ * std::log1p(-rng.uniform01() * c_)), e_);
    case Kind::empirical: {
      const EmpiricalTable& t = *table_;
      const double u = rng.uniform01();
      const auto& pts = t.points;
      if (u < pts[0].p) return pts[0].x;
      const std::size_t k_max = t.guide.size();
      // u * k_max can round up to k_max when k_max is a power of two.
      const std::size_t k =
          std::min(static_cast<std::size_t>(u * static_cast<double>(k_max)), k_max - 1);
      std::size_t i = t.guide[k];
      while (pts[i].p <= u) ++i;  // i >= 1 afterwards, since pts[0].p <= u
      return std::min(pts[i - 1].x + (u - pts[i - 1].p) * pts[i].slope, pts[i].x);
    }
    case Kind::constant:
      return a_;
    case Kind::exponential:
      return rng.exponential(a_);
  }
  return a_;  // unreachable: every kind is handled above
}

double Distribution::mean() const {
  switch (kind_) {
    case Kind::constant:
    case Kind::exponential:
    case Kind::normal:
      return a_;
    case Kind::uniform:
      return a_ + 0.5 * b_;
    case Kind::lognormal:
      return std::exp(a_ + 0.5 * b_ * b_);
    case Kind::pareto:
      return c_ <= 1.0 ? std::numeric_limits<double>::infinity() : c_ * a_ / (c_ - 1.0);
    case Kind::bounded_pareto: {
      // alpha lo / (alpha - 1) * (1 - r^(alpha-1)) / (1 - r^alpha), r = lo / hi,
      // written so that alpha = 1 (lo hi log(hi/lo) / (hi - lo)) needs no case.
      const double alpha = d_, lo = a_, log_r = std::log(a_ / e_);
      return alpha * lo * one_minus_pow_over(alpha - 1.0, log_r) / c_;
    }
    case Kind::empirical:
      return table_->mean;
  }
  return a_;
}

std::string Distribution::describe() const {
  const auto n = short_number;
  switch (kind_) {
    case Kind::constant:
      return "constant(value=" + n(a_) + ")";
    case Kind::uniform:
      return "uniform(lo=" + n(a_) + ", hi=" + n(c_) + ")";
    case Kind::exponential:
      return "exponential(mean=" + n(a_) + ")";
    case Kind::normal:
      return "normal(mean=" + n(a_) + ", stddev=" + n(b_) + ")";
    case Kind::lognormal:
      return "lognormal(mu=" + n(a_) + ", sigma=" + n(b_) + ")";
    case Kind::pareto:
      return "pareto(alpha=" + n(c_) + ", x_min=" + n(a_) + ")";
    case Kind::bounded_pareto:
      return "bounded_pareto(alpha=" + n(d_) + ", lo=" + n(a_) + ", hi=" + n(e_) + ")";
    case Kind::empirical: {
      const auto& pts = table_->points;
      return "empirical(points=" + std::to_string(pts.size()) + ", min=" + n(pts.front().x) +
             ", max=" + n(pts.back().x) + ")";
    }
  }
  return "unknown";
}

}  // namespace podwire::engine
