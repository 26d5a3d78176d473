// `dnsd ctl`: the control API from the command line (CONTROL_API.md), a small
// libcurl client. Exit codes: 0 done; 1 the server refused or failed (a reload
// with errors, an unknown zone, pool or member, no server); 2 usage; 3
// drained, but the address is still being served (nothing else is up in its
// pool, or another pool hands it out), so it is not safe to stop.
#include <arpa/inet.h>
#include <getopt.h>

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dnsd/cli/commands.h"
#include "dnsd/cli/control_client.h"
#include "dnsd/control/control_options.h"
#include "dnsd/cli/ctl_format.h"

namespace dnsd {
namespace {

using nlohmann::json;

void ctl_usage(FILE* out) {
  std::fprintf(out,
               "usage: dnsd ctl [options] COMMAND [ARGS]\n"
               "\n"
               "Talks to a running `dnsd serve` through its control API.\n"
               "\n"
               "commands:\n"
               "  status                      zones, pools and members as tables\n"
               "  reload                      reload the zones now; exit 0 only if every file loaded\n"
               "  drain POOL ADDRESS          stop handing ADDRESS out of POOL, and print when it is\n"
               "                              safe to stop that server (exit 3: still served by this\n"
               "                              or another pool, not safe; other pools are listed)\n"
               "  drain ADDRESS               stop handing ADDRESS out of every pool of every zone, and\n"
               "                              of pools later reloads add, until undrained; print when\n"
               "                              it is safe to stop that server (exit 3: not safe)\n"
               "  undrain POOL ADDRESS        hand it out of POOL again\n"
               "  undrain ADDRESS             hand it out of every pool again (lifts drain ADDRESS and\n"
               "                              every per-pool drain of ADDRESS)\n"
               "  explain NAME [TYPE]         why NAME answers what it does (TYPE default A)\n"
               "  keys [ZONE]                 the signed zones' keys, their states and times, the next\n"
               "                              key event, and the DS records to give the parent\n"
               "  keys roll ZONE              start a key rollover of ZONE (exit 1 while one is in progress)\n"
               "  keys ds-seen ZONE TAG       the parent now serves key TAG's DS: the old key may leave\n"
               "  ds ZONE                     the DS records ZONE's parent should hold, one a line\n"
               "\n"
               "options:\n"
               "  --control ADDR:PORT         control API address (default $DNSD_CONTROL, else %s);\n"
               "                              unix:PATH for a server run with --control unix:PATH\n"
               "  --token TOKEN               bearer token (default $DNSD_CONTROL_TOKEN)\n"
               "  --token-file FILE           read the token from FILE's first line\n"
               "  --zone ZONE                 drain/undrain POOL: only the pool of this zone (default: every zone)\n"
               "  --json                      print the API's JSON instead of text\n"
               "  --timeout SECONDS           give up after this long (default 30)\n"
               "  --help                      show this help\n",
               kDefaultControlAddress);
}

enum Option : int { kControl = 1, kToken, kTokenFile, kZone, kJson, kTimeout, kHelp };

/// Prints the response or its error. Returns the exit code for a failed request, or -1 when it succeeded.
int report_failure(const ControlClient& client, const ControlResponse& r) {
  if (!r.error.empty()) {
    std::fprintf(stderr, "dnsd ctl: %s: %s\n", client.target().c_str(), r.error.c_str());
    return 1;
  }
  return -1;
}

/// The body as JSON; prints an error and returns false if it is not.
bool parse_body(const ControlResponse& r, json& out) {
  try {
    out = json::parse(r.body);
    return true;
  } catch (const std::exception&) {
    std::fprintf(stderr, "dnsd ctl: HTTP %ld with a body that is not JSON:\n%s\n", r.status, r.body.c_str());
    return false;
  }
}

/// For a non-2xx answer that is not a reload report: print {"error"} and return 1.
int api_error(const ControlResponse& r, const json& body) {
  std::fprintf(stderr, "dnsd ctl: HTTP %ld: %s\n", r.status,
               body.is_object() && body.contains("error") ? body["error"].get<std::string>().c_str() : r.body.c_str());
  return 1;
}

}  // namespace

int cmd_ctl(int argc, char** argv) {
  static const option kOptions[] = {
      {"control", required_argument, nullptr, kControl}, {"token", required_argument, nullptr, kToken},
      {"token-file", required_argument, nullptr, kTokenFile}, {"zone", required_argument, nullptr, kZone},
      {"json", no_argument, nullptr, kJson},                {"timeout", required_argument, nullptr, kTimeout},
      {"help", no_argument, nullptr, kHelp},                {nullptr, 0, nullptr, 0},
  };
  const char* env_control = std::getenv("DNSD_CONTROL");
  const char* env_token = std::getenv("DNSD_CONTROL_TOKEN");
  std::string control = env_control && *env_control ? env_control : kDefaultControlAddress;
  std::string token = env_token ? env_token : "";
  std::string zone;
  bool raw_json = false;
  long timeout_ms = 30000;
  opterr = 0;
  optind = 1;
  for (;;) {
    int index = 0;
    int c = getopt_long(argc, argv, ":h", kOptions, &index);
    if (c == -1) break;
    switch (c) {
      case kControl: control = optarg; break;
      case kToken: token = optarg; break;
      case kTokenFile:
        if (!read_token_file(optarg, token)) {
          std::fprintf(stderr, "dnsd ctl: --token-file %s: cannot read a token from its first line\n", optarg);
          return 2;
        }
        break;
      case kZone: zone = optarg; break;
      case kJson: raw_json = true; break;
      case kTimeout: {
        char* end = nullptr;
        const double seconds = std::strtod(optarg, &end);
        if (end == optarg || *end != '\0' || seconds <= 0 || seconds > 3600) {
          std::fprintf(stderr, "dnsd ctl: --timeout '%s': expected seconds from 0 to 3600\n", optarg);
          return 2;
        }
        timeout_ms = long(seconds * 1000);
        break;
      }
      case 'h':
      case kHelp: ctl_usage(stdout); return 0;
      default:
        return option_error("ctl", c, argv, optind, ctl_usage);
    }
  }
  std::vector<std::string> args(argv + optind, argv + argc);
  if (args.empty()) {
    std::fprintf(stderr, "dnsd ctl: a command is required\n\n");
    ctl_usage(stderr);
    return 2;
  }
  const std::string command = args[0];
  auto arity = [&](size_t min, size_t max) {
    if (args.size() - 1 >= min && args.size() - 1 <= max) return true;
    std::fprintf(stderr, "dnsd ctl %s: wrong number of arguments\n\n", command.c_str());
    ctl_usage(stderr);
    return false;
  };

  const ControlClient client(control, token, timeout_ms);
  ControlResponse r;
  if (command == "status") {
    if (!arity(0, 0)) return 2;
    r = client.get("/api/status");
  } else if (command == "reload") {
    if (!arity(0, 0)) return 2;
    r = client.post("/api/reload", "{}");
  } else if (command == "drain" || command == "undrain") {
    if (!arity(1, 2)) return 2;
    const std::string& address = args.back();
    const std::string bare = address.size() > 2 && address.front() == '[' && address.back() == ']'
                                 ? address.substr(1, address.size() - 2)
                                 : address;
    unsigned char buffer[16];
    if (inet_pton(AF_INET, bare.c_str(), buffer) != 1 && inet_pton(AF_INET6, bare.c_str(), buffer) != 1) {
      std::fprintf(stderr, "dnsd ctl %s: '%s' is not an IP address (%s [POOL] ADDRESS)\n", command.c_str(),
                   address.c_str(), command.c_str());
      return 2;
    }
    json body{{"address", address}};
    if (args.size() == 3) body["pool"] = args[1];
    if (!zone.empty() && args.size() == 2) {
      std::fprintf(stderr, "dnsd ctl %s: --zone needs a POOL; %s ADDRESS covers every pool of every zone\n",
                   command.c_str(), command.c_str());
      return 2;
    }
    if (!zone.empty()) body["zone"] = zone;
    r = client.post("/api/" + command, body.dump());
  } else if (command == "explain") {
    if (!arity(1, 2)) return 2;
    r = client.get("/api/explain?name=" + ControlClient::escape(args[1]) +
                   "&type=" + ControlClient::escape(args.size() > 2 ? args[2] : "A"));
  } else if (command == "keys" && args.size() >= 2 && (args[1] == "roll" || args[1] == "ds-seen")) {
    const bool roll = args[1] == "roll";
    if (args.size() != (roll ? 3u : 4u)) {
      std::fprintf(stderr, "dnsd ctl keys %s: wrong number of arguments\n\n", args[1].c_str());
      ctl_usage(stderr);
      return 2;
    }
    json body{{"zone", args[2]}};
    if (!roll) {
      char* end = nullptr;
      const unsigned long tag = std::strtoul(args[3].c_str(), &end, 10);
      if (args[3].empty() || *end != '\0' || args[3][0] == '-' || tag > 65535) {
        std::fprintf(stderr, "dnsd ctl keys ds-seen: '%s' is not a key tag (0 to 65535)\n", args[3].c_str());
        return 2;
      }
      body["tag"] = tag;
    }
    r = client.post("/api/keys/" + args[1], body.dump());
  } else if (command == "keys" || command == "ds") {
    if (command == "keys" ? !arity(0, 1) : !arity(1, 1)) return 2;
    r = client.get(args.size() > 1 ? "/api/keys?zone=" + ControlClient::escape(args[1]) : "/api/keys");
  } else {
    std::fprintf(stderr, "dnsd ctl: unknown command '%s'\n\n", command.c_str());
    ctl_usage(stderr);
    return 2;
  }

  if (const int failed = report_failure(client, r); failed >= 0) return failed;
  json body;
  if (!parse_body(r, body)) return 1;
  // A reload with errors is still a report worth printing.
  const bool is_report = command == "reload" && body.is_object() && body.contains("files");
  if (!r.ok() && !is_report) return api_error(r, body);
  if (raw_json) {
    std::printf("%s\n", body.dump(2).c_str());
  } else {
    std::string text;
    if (command == "status") text = format_status(body);
    else if (command == "reload") text = format_reload(body);
    else if (command == "explain") text = format_explain(body);
    else if (command == "keys" && args.size() >= 2 && (args[1] == "roll" || args[1] == "ds-seen"))
      text = format_key_command(args[1], body);
    else if (command == "keys") text = format_keys(body);
    else if (command == "ds") text = format_ds(body);
    else text = format_admin(body);
    std::fputs(text.c_str(), stdout);
  }
  if (command == "reload") return r.ok() ? 0 : 1;
  if (command == "drain" && admin_not_safe(body)) return 3;
  return 0;
}

}  // namespace dnsd
