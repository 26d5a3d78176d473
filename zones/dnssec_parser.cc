#include "zones/dnssec_parser.h"

namespace dnsd::zones {
namespace {

/// Longest signature validity accepted: a year. Longer windows only widen
/// what a stolen key or a replayed answer can do.
constexpr int64_t kMaxValidity = 366 * 86400;
/// Shortest: a minute, for tests of re-signing; operators use days.
constexpr int64_t kMinValidity = 60;
/// Longest wait for propagation or a parent's DS TTL: a month.
constexpr int64_t kMaxWait = 31 * 86400;

}  // namespace

void parse_dnssec(const Json& dnssec, const std::string& pointer, DnssecPolicy& out, LoadContext& ctx) {
  out = DnssecPolicy{};
  out.enabled = true;
  if (!expect_object(dnssec, pointer, ctx)) return;
  check_keys(dnssec,
             {"algorithm", "denial", "dnskey_ttl", "signature_validity", "signature_refresh", "propagation_delay",
              "parent_ds_ttl"},
             pointer, ctx);
  std::string algorithm = algorithm_name(out.algorithm);
  if (read_string(dnssec, "algorithm", pointer, algorithm, ctx)) {
    if (const auto a = algorithm_from_name(algorithm)) out.algorithm = *a;
    else
      ctx.error(pointer_append(pointer, "algorithm"),
                "unknown algorithm \"" + algorithm + "\"; use \"ecdsap256sha256\" (the default) or \"ed25519\"");
  }
  std::string denial = "nsec";
  if (read_string(dnssec, "denial", pointer, denial, ctx) && denial != "nsec")
    ctx.error(pointer_append(pointer, "denial"),
              "unknown denial of existence \"" + denial + "\"; dnsd proves it with \"nsec\"");

  int64_t dnskey_ttl = out.dnskey_ttl, validity = out.signature_validity, refresh = out.signature_refresh,
          propagation = out.propagation_delay, ds_ttl = out.parent_ds_ttl;
  bool ok = read_integer(dnssec, "dnskey_ttl", pointer, 0, kMaxTtl, dnskey_ttl, ctx);
  ok &= read_integer(dnssec, "signature_validity", pointer, kMinValidity, kMaxValidity, validity, ctx);
  const bool refresh_given = dnssec.contains("signature_refresh");
  ok &= read_integer(dnssec, "signature_refresh", pointer, 1, kMaxValidity, refresh, ctx);
  ok &= read_integer(dnssec, "propagation_delay", pointer, 0, kMaxWait, propagation, ctx);
  ok &= read_integer(dnssec, "parent_ds_ttl", pointer, 0, kMaxWait, ds_ttl, ctx);
  if (!ok) return;
  // A shorter validity alone brings the refresh down with it: a quarter of it.
  if (!refresh_given && refresh > validity / 4) refresh = std::max<int64_t>(1, validity / 4);
  if (refresh * 2 > validity)
    ctx.error(pointer_append(pointer, "signature_refresh"),
              "signature_refresh (" + std::to_string(refresh) + " s) must be at most half of signature_validity (" +
                  std::to_string(validity) + " s), so that signatures are made anew well before they expire");
  out.dnskey_ttl = uint32_t(dnskey_ttl);
  out.signature_validity = uint32_t(validity);
  out.signature_refresh = uint32_t(refresh);
  out.propagation_delay = uint32_t(propagation);
  out.parent_ds_ttl = uint32_t(ds_ttl);
}

}  // namespace dnsd::zones
