#include "dnsd/cli/serve_options.h"

#include <getopt.h>

#include <charconv>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dnsd/cli/commands.h"
#include "dnsd/control/control_options.h"
#include "dnsd/server/health_service.h"
#include "dnsd/server/listen_address.h"
#include "dnsd/server/log.h"
#include "dnsd/server/privileges.h"
#include "dnsd/server/rate_limiter.h"
#include "dnsd/server/server.h"
#include "health/known_states.h"
#include "health/state_write_errors.h"

namespace dnsd {
namespace {

constexpr const char* kDefaultListen = "127.0.0.1:5353";

}  // namespace

void serve_usage(FILE* out) {
  std::fprintf(out,
               "usage: dnsd serve --zones DIR [--listen ADDR:PORT]... [--threads N] [options]\n"
               "\n"
               "Answers DNS queries over UDP and TCP for every zone file (*.json) in DIR.\n"
               "DIR is watched: a zone file edited, saved by rename, added or removed is\n"
               "served about 0.1 s after the save; a broken file keeps its last good version\n"
               "and its error is logged. SIGHUP reloads too; SIGTERM or SIGINT shuts down\n"
               "cleanly.\n"
               "\n"
               "options:\n"
               "  --zones DIR                  zone directory, or a single zone file (required)\n"
               "  --listen ADDR:PORT           address to serve UDP and TCP on; repeatable;\n"
               "                               IPv6 in brackets, e.g. [::1]:5353; [::] is IPv6\n"
               "                               only, so add 0.0.0.0:PORT for IPv4 as well\n"
               "                               (default %s)\n"
               "  --threads N                  worker threads, each with its own sockets (default 1)\n"
               "  --tcp-idle-timeout SECONDS   close TCP connections idle this long (default 10)\n"
               "  --tcp-max-connections N      most open TCP connections; at the limit the oldest\n"
               "                               idle one is closed, or the new one refused (default 1000)\n"
               "  --tcp-max-queries N          queries answered on one TCP connection before it is\n"
               "                               closed gracefully; 0 = no limit (default 10000)\n"
               "  --log-format text|json       log line format on stderr (default text)\n"
               "  --control ADDR:PORT|none     control API and /metrics over HTTP (default %s);\n"
               "                               `none` disables it; unix:PATH serves it on a UNIX\n"
               "                               socket (mode 0660, no token needed) instead\n"
               "  --control-token TOKEN        require `Authorization: Bearer TOKEN` on the control\n"
               "                               API; required for a non-loopback --control address\n"
               "  --control-token-file FILE    read the token from FILE's first line instead\n"
               "  --state-dir DIR              keep runtime state in DIR so it survives a restart:\n"
               "                               drains, each zone's last served SOA serial, and\n"
               "                               each member's last known health (default: not\n"
               "                               kept; serials are then time-based)\n"
               "  --key-dir DIR                DNSSEC keys of signed zones (mode 0700; made on\n"
               "                               first start; default: keys/ in --state-dir)\n"
               "  --signing-threads N          threads that sign a large zone (default: one per CPU\n"
               "                               it may run on)\n"
               "  --tsig-keys FILE             TSIG keys, one per line as `dig -y` takes them:\n"
               "                               hmac-sha256:NAME:BASE64SECRET\n"
               "  --ixfr-history N             versions per zone kept for IXFR (default 100)\n"
               "  --catalog NAME               also serve a catalog zone (RFC 9432 v2) NAME listing\n"
               "                               every zone, for Knot and BIND secondaries\n"
               "  --catalog-allow CIDR,...     who may transfer the catalog\n"
               "  --catalog-notify ADDR[:PORT],...  where NOTIFY for the catalog goes\n"
               "  --catalog-tsig KEY           require this TSIG key for catalog transfers\n"
               "  --status-file FILE           also write every member's health as JSON to FILE,\n"
               "                               replaced atomically after each state change and\n"
               "                               every 2 s (for monitoring without HTTP)\n"
               "  --rrl-rate N                 response rate limiting (RRL) of UDP answers: at most N\n"
               "                               responses/s, with a burst of N, to one client /24\n"
               "                               (IPv6 /56) for one name and type (one zone for\n"
               "                               NXDOMAIN, one cut for referrals), so a forged-source\n"
               "                               flood cannot aim dnsd's large answers at a victim;\n"
               "                               TCP and clients with a valid DNS cookie are exempt;\n"
               "                               0 turns it off (default %u, as NSD); a resolver that\n"
               "                               asks one name faster has its excess dropped or\n"
               "                               slipped (it then retries over TCP)\n"
               "  --rrl-slip N                 every Nth response RRL drops is sent as an empty\n"
               "                               truncated (TC) reply, so a real client retries over\n"
               "                               TCP; 1 every one, 0 never (default %u, as NSD and Knot)\n"
               "  --nsid TEXT|0xHEX            answer NSID requests (RFC 5001, `dig +nsid`) with this\n"
               "                               server identifier, at most 128 bytes (default: none)\n"
               "  --dnstap unix:PATH|file:PATH log every answered query and its response as dnstap\n"
               "                               (AUTH_QUERY, AUTH_RESPONSE) to a collector's Frame\n"
               "                               Streams socket (e.g. fstrm_capture) or to a file\n"
               "                               (dnstap-read); never slows answering: what the\n"
               "                               writer cannot keep up with is dropped and counted\n"
               "  --cookie-secret FILE         DNS cookies (RFC 7873, RFC 9018) with the secrets in\n"
               "                               FILE, for servers sharing cookies (anycast): one or\n"
               "                               two lines of 32 hex digits; the first makes cookies,\n"
               "                               the second is also accepted (default: a secret that\n"
               "                               rotates daily, kept in --state-dir if given)\n"
               "  --no-watch                   do not watch DIR for changes; reload only on\n"
               "                               SIGHUP or `dnsd ctl reload` (default: watch)\n"
               "  --user NAME                  started as root: bind every socket, then switch for\n"
               "                               good to NAME's uid, gid and groups before reading\n"
               "                               zones or answering (NAME must read DIR and write\n"
               "                               --state-dir; under systemd prefer User=)\n"
               "  --help                       show this help\n",
               kDefaultListen, kDefaultControlAddress, RateLimitConfig{}.rate, RateLimitConfig{}.slip);
}

namespace {

/// Parses a decimal in [min, max]; on failure prints why and returns false.
bool parse_number(const char* flag, const char* text, unsigned min, unsigned max, unsigned& out) {
  std::string_view s(text);
  unsigned value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || value < min || value > max) {
    std::fprintf(stderr, "dnsd serve: %s '%s': expected a whole number from %u to %u\n", flag, text, min, max);
    return false;
  }
  out = value;
  return true;
}

enum Option : int {
  kZones = 1, kListen, kThreads, kTcpIdle, kTcpMax, kTcpMaxQueries, kLogFormat, kNoWatch, kHelp,
  kControl, kControlToken, kControlTokenFile, kStateDir, kStatusFile,
  kTsigKeys, kIxfrHistory, kCatalog, kCatalogAllow, kCatalogNotify, kCatalogTsig,
  kRrlRate, kRrlSlip, kUser, kNsid, kCookieSecret
};
/// --dnstap, numbered apart from the list above.
constexpr int kDnstap = 1000;
/// --key-dir and --signing-threads.
constexpr int kKeyDir = 1001, kSigningThreads = 1002;

/// Parses --nsid: text as it is, or 0x and an even number of hex digits
/// (as Knot's nsid takes it), 1 to kMaxNsidLength bytes.
bool parse_nsid(std::string_view text, std::vector<uint8_t>& out) {
  out.clear();
  if (text.size() >= 2 && (text.substr(0, 2) == "0x" || text.substr(0, 2) == "0X")) {
    const std::string_view digits = text.substr(2);
    if (digits.size() % 2 != 0) return false;
    for (size_t i = 0; i < digits.size(); i += 2) {
      unsigned byte = 0;
      auto [end, ec] = std::from_chars(digits.data() + i, digits.data() + i + 2, byte, 16);
      if (ec != std::errc() || end != digits.data() + i + 2) return false;
      out.push_back(uint8_t(byte));
    }
  } else {
    out.assign(text.begin(), text.end());
  }
  return !out.empty() && out.size() <= kMaxNsidLength;
}

/// Calls `each` with every comma-separated item of `text`; false if it does.
template <typename F>
bool for_each_item(std::string_view text, F each) {
  while (!text.empty()) {
    const size_t comma = text.find(',');
    if (!each(text.substr(0, comma))) return false;
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return true;
}

}  // namespace

/// Parses and checks the command line into `o`. Returns -1 to go on, or the
/// exit code: 0 after --help, 2 after a usage error (already printed).
int parse_serve_options(int argc, char** argv, ServeOptions& o) {
  static const option kOptions[] = {
      {"zones", required_argument, nullptr, kZones},
      {"listen", required_argument, nullptr, kListen},
      {"threads", required_argument, nullptr, kThreads},
      {"tcp-idle-timeout", required_argument, nullptr, kTcpIdle},
      {"tcp-max-connections", required_argument, nullptr, kTcpMax},
      {"tcp-max-queries", required_argument, nullptr, kTcpMaxQueries},
      {"log-format", required_argument, nullptr, kLogFormat},
      {"control", required_argument, nullptr, kControl},
      {"control-token", required_argument, nullptr, kControlToken},
      {"control-token-file", required_argument, nullptr, kControlTokenFile},
      {"state-dir", required_argument, nullptr, kStateDir},
      {"key-dir", required_argument, nullptr, kKeyDir},
      {"signing-threads", required_argument, nullptr, kSigningThreads},
      {"status-file", required_argument, nullptr, kStatusFile},
      {"tsig-keys", required_argument, nullptr, kTsigKeys},
      {"ixfr-history", required_argument, nullptr, kIxfrHistory},
      {"catalog", required_argument, nullptr, kCatalog},
      {"catalog-allow", required_argument, nullptr, kCatalogAllow},
      {"catalog-notify", required_argument, nullptr, kCatalogNotify},
      {"catalog-tsig", required_argument, nullptr, kCatalogTsig},
      {"rrl-rate", required_argument, nullptr, kRrlRate},
      {"rrl-slip", required_argument, nullptr, kRrlSlip},
      {"nsid", required_argument, nullptr, kNsid},
      {"dnstap", required_argument, nullptr, kDnstap},
      {"cookie-secret", required_argument, nullptr, kCookieSecret},
      {"no-watch", no_argument, nullptr, kNoWatch},
      {"user", required_argument, nullptr, kUser},
      {"help", no_argument, nullptr, kHelp},
      {nullptr, 0, nullptr, 0},
  };
  ServerConfig& config = o.server;
  ControlOptions& control = o.control;
  std::string control_text = kDefaultControlAddress;
  opterr = 0;
  optind = 1;
  for (;;) {
    int index = 0;
    int c = getopt_long(argc, argv, ":h", kOptions, &index);
    if (c == -1) break;
    switch (c) {
      case kZones:
        config.zones_path = optarg;
        break;
      case kListen: {
        ListenAddress address;
        std::string error;
        if (!parse_listen_address(optarg, address, error)) {
          std::fprintf(stderr, "dnsd serve: --listen: %s\n", error.c_str());
          return 2;
        }
        for (const ListenAddress& seen : config.listen) {
          if (seen.to_string() == address.to_string()) {
            std::fprintf(stderr, "dnsd serve: --listen %s is given twice\n", optarg);
            return 2;
          }
        }
        config.listen.push_back(address);
        break;
      }
      case kThreads:
        if (!parse_number("--threads", optarg, 1, 1024, config.threads)) return 2;
        break;
      case kTcpIdle: {
        unsigned seconds = 0;
        if (!parse_number("--tcp-idle-timeout", optarg, 1, 86400, seconds)) return 2;
        config.tcp.idle_timeout_ms = uint64_t{seconds} * 1000;
        break;
      }
      case kTcpMax:
        if (!parse_number("--tcp-max-connections", optarg, 1, 1000000, config.tcp.max_connections)) return 2;
        break;
      case kTcpMaxQueries: {
        unsigned queries = 0;
        if (!parse_number("--tcp-max-queries", optarg, 0, 1000000000, queries)) return 2;
        config.tcp.max_queries = queries;
        break;
      }
      case kLogFormat: {
        LogFormat format;
        if (!parse_log_format(optarg, format)) {
          std::fprintf(stderr, "dnsd serve: --log-format '%s': expected text or json\n", optarg);
          return 2;
        }
        set_log_format(format);
        break;
      }
      case kControl:
        control_text = optarg;
        break;
      case kControlToken:
        control.token = optarg;
        break;
      case kControlTokenFile:
        if (!read_token_file(optarg, control.token)) {
          std::fprintf(stderr, "dnsd serve: --control-token-file %s: cannot read a token from its first line\n",
                       optarg);
          return 2;
        }
        break;
      case kStatusFile:
        o.health.status_file = optarg;
        break;
      case kStateDir:
        control.state_dir = optarg;
        config.state_dir = optarg;
        break;
      case kKeyDir:
        config.key_dir = optarg;
        break;
      case kSigningThreads:
        if (!parse_number("--signing-threads", optarg, 1, 256, config.signing_threads)) return 2;
        break;
      case kTsigKeys: {
        std::string error;
        auto keys = xfr::TsigKeyring::load(optarg, error);
        if (!keys) {
          std::fprintf(stderr, "dnsd serve: --tsig-keys: %s\n", error.c_str());
          return 2;
        }
        config.tsig_keys = std::make_shared<const xfr::TsigKeyring>(std::move(*keys));
        break;
      }
      case kIxfrHistory: {
        unsigned n = 0;
        if (!parse_number("--ixfr-history", optarg, 1, 100000, n)) return 2;
        config.history.max_changes = n;
        break;
      }
      case kCatalog:
        config.catalog.name = optarg;
        break;
      case kCatalogAllow:
      case kCatalogNotify: {
        std::string error;
        const bool ok = for_each_item(optarg, [&](std::string_view item) {
          if (c == kCatalogAllow) {
            auto prefix = zones::AddressPrefix::parse(item, error);
            if (prefix) config.catalog.transfer.allow.push_back(*prefix);
            return prefix.has_value();
          }
          auto target = zones::NotifyTarget::parse(item, error);
          if (target) config.catalog.transfer.notify.push_back(*target);
          return target.has_value();
        });
        if (!ok) {
          std::fprintf(stderr, "dnsd serve: %s: %s\n", c == kCatalogAllow ? "--catalog-allow" : "--catalog-notify",
                       error.c_str());
          return 2;
        }
        break;
      }
      case kCatalogTsig:
        config.catalog.transfer.tsig_key = zones::lower_text(optarg);
        if (config.catalog.transfer.tsig_key.empty() || config.catalog.transfer.tsig_key.back() != '.')
          config.catalog.transfer.tsig_key += '.';
        break;
      case kRrlRate:
        if (!parse_number("--rrl-rate", optarg, 0, RateLimiter::kMaxRate, config.rrl.rate)) return 2;
        break;
      case kRrlSlip:
        if (!parse_number("--rrl-slip", optarg, 0, RateLimiter::kMaxSlip, config.rrl.slip)) return 2;
        break;
      case kNsid:
        if (!parse_nsid(optarg, config.nsid)) {
          std::fprintf(stderr, "dnsd serve: --nsid '%s': expected 1 to %zu bytes of text, or 0x and hex digits\n",
                       optarg, kMaxNsidLength);
          return 2;
        }
        break;
      case kCookieSecret:
        config.cookie_secret_file = optarg;
        break;
      case kDnstap: {
        dnstap::Sink sink;
        std::string error;
        if (!dnstap::parse_sink(optarg, sink, error)) {
          std::fprintf(stderr, "dnsd serve: --dnstap '%s': %s\n", optarg, error.c_str());
          return 2;
        }
        config.dnstap = std::move(sink);
        break;
      }
      case kNoWatch:
        o.watch = false;
        break;
      case kUser: {
        RunAs user;
        std::string error;
        if (!find_user(optarg, user, error)) {
          std::fprintf(stderr, "dnsd serve: %s\n", error.c_str());
          return 2;
        }
        if (const std::string problem = switch_problem(user); !problem.empty()) {
          std::fprintf(stderr, "dnsd serve: %s\n", problem.c_str());
          return 2;
        }
        o.run_as = user;
        break;
      }
      case 'h':
      case kHelp:
        serve_usage(stdout);
        return 0;
      default:
        return option_error("serve", c, argv, optind, serve_usage);
    }
  }
  if (optind < argc) {
    std::fprintf(stderr, "dnsd serve: unexpected argument '%s'\n\n", argv[optind]);
    serve_usage(stderr);
    return 2;
  }
  if (config.zones_path.empty()) {
    std::fprintf(stderr, "dnsd serve: --zones DIR is required\n\n");
    serve_usage(stderr);
    return 2;
  }
  if (config.listen.empty()) {
    ListenAddress address;
    std::string error;
    parse_listen_address(kDefaultListen, address, error);
    config.listen.push_back(address);
  }

  o.control_enabled = control_text != "none";
  if (o.control_enabled) {
    std::string error;
    if (!parse_control_address(control_text, control, error)) {
      std::fprintf(stderr, "dnsd serve: --control: %s\n", error.c_str());
      return 2;
    }
    if (const std::string problem = control_options_problem(control); !problem.empty()) {
      std::fprintf(stderr, "dnsd serve: %s\n", problem.c_str());
      return 2;
    }
  } else if (!control.token.empty()) {
    std::fprintf(stderr, "dnsd serve: --control-token needs the control API (not --control none)\n");
    return 2;
  } else {
    control.state_dir.clear();  // drains need the control API; serials are kept all the same
  }
  if (config.key_dir.empty() && !config.state_dir.empty()) config.key_dir = config.state_dir + "/keys";
  CatalogConfig& catalog = config.catalog;
  catalog.transfer.enabled = !catalog.name.empty();
  if (catalog.name.empty() && (!catalog.transfer.allow.empty() || !catalog.transfer.notify.empty() ||
                               !catalog.transfer.tsig_key.empty())) {
    std::fprintf(stderr, "dnsd serve: --catalog-allow, --catalog-notify and --catalog-tsig need --catalog NAME\n");
    return 2;
  }
  if (!catalog.transfer.tsig_key.empty() && (!config.tsig_keys || !config.tsig_keys->find(catalog.transfer.tsig_key))) {
    std::fprintf(stderr, "dnsd serve: --catalog-tsig %s: no such key in --tsig-keys\n",
                 catalog.transfer.tsig_key.c_str());
    return 2;
  }
  return -1;
}

}  // namespace dnsd
