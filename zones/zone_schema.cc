#include "zones/zone_schema.h"

namespace dnsd::zones {

std::string_view zone_schema_json() {
  static constexpr std::string_view kSchema = R"SCHEMA({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://dnsd.invalid/schema/zone.json",
  "title": "dnsd zone file",
  "description": "One DNS zone served by dnsd. Reference: zones/FORMAT.md.",
  "type": "object",
  "required": ["origin", "soa", "records"],
  "additionalProperties": false,
  "properties": {
    "$schema": {"type": "string"},
    "origin": {"type": "string", "pattern": "\\.$", "description": "The zone's name, absolute, with a trailing dot."},
    "ttl": {"$ref": "#/$defs/ttl", "description": "Default TTL of RRsets, seconds (default 3600)."},
    "soa": {
      "type": "object",
      "required": ["mname"],
      "additionalProperties": false,
      "properties": {
        "mname": {"type": "string", "description": "Primary name server."},
        "rname": {"type": "string", "description": "Responsible mailbox (default hostmaster)."},
        "serial": {"type": "integer", "minimum": 0, "maximum": 4294967295},
        "refresh": {"$ref": "#/$defs/ttl"},
        "retry": {"$ref": "#/$defs/ttl"},
        "expire": {"$ref": "#/$defs/ttl"},
        "minimum": {"$ref": "#/$defs/ttl", "description": "Negative-caching TTL cap (RFC 2308)."},
        "ttl": {"$ref": "#/$defs/ttl"}
      }
    },
    "records": {
      "type": "object",
      "description": "Owner name (relative to origin, @ for the apex) -> type -> RRset.",
      "additionalProperties": {
        "type": "object",
        "propertyNames": {"pattern": "^([A-Za-z][A-Za-z0-9-]*|TYPE[0-9]+|type[0-9]+)$",
                          "not": {"pattern": "^([Rr][Rr][Ss][Ii][Gg]|[Nn][Ss][Ee][Cc](3([Pp][Aa][Rr][Aa][Mm])?)?)$"}},
        "additionalProperties": {"$ref": "#/$defs/rrset"}
      }
    },
    "pools": {
      "type": "object",
      "propertyNames": {"pattern": "^[A-Za-z0-9_.-]{1,63}$"},
      "additionalProperties": {"$ref": "#/$defs/pool"}
    },
    "transfer": {
      "type": "object",
      "description": "Zone transfers (AXFR/IXFR) and NOTIFY. Without this object the zone is not transferred.",
      "required": ["allow"],
      "additionalProperties": false,
      "properties": {
        "allow": {
          "type": "array",
          "description": "Address prefixes that may transfer the zone, e.g. \"192.0.2.0/24\" or \"::1\"; [] for none.",
          "items": {"type": "string", "pattern": "^[0-9A-Fa-f:.]+(/[0-9]{1,3})?$"}
        },
        "notify": {
          "type": "array",
          "description": "Addresses told of new versions: \"192.0.2.53\", \"198.51.100.7:5300\", \"[2001:db8::1]:5300\".",
          "items": {"type": "string", "pattern": "^([0-9A-Fa-f:.]+|\\[[0-9A-Fa-f:.]+\\](:[0-9]{1,5})?)$"}
        },
        "tsig": {"type": "string", "minLength": 1, "description": "Name of the TSIG key transfers must be signed with."}
      }
    },
    "dnssec": {
      "type": "object",
      "description": "Sign the zone with keys from --key-dir (dnsd keygen); {} takes every default.",
      "additionalProperties": false,
      "properties": {
        "algorithm": {"type": "string", "pattern": "^([Ee][Cc][Dd][Ss][Aa][Pp]256[Ss][Hh][Aa]256|[Ee][Dd]25519)$",
                      "description": "ecdsap256sha256 (13, the default) or ed25519 (15)."},
        "denial": {"enum": ["nsec"], "description": "Denial of existence: NSEC (the only one)."},
        "dnskey_ttl": {"$ref": "#/$defs/ttl", "description": "TTL of the DNSKEY RRset, seconds (default 3600)."},
        "signature_validity": {"type": "integer", "minimum": 60, "maximum": 31622400,
                               "description": "Seconds a signature is valid (default 1209600)."},
        "signature_refresh": {"type": "integer", "minimum": 1, "maximum": 31622400,
                              "description": "Seconds between re-signings, at most half the validity."},
        "propagation_delay": {"type": "integer", "minimum": 0, "maximum": 2678400,
                              "description": "Seconds a change takes to reach secondaries (default 3600)."},
        "parent_ds_ttl": {"type": "integer", "minimum": 0, "maximum": 2678400,
                          "description": "TTL of the zone's DS at the parent, seconds (default 86400)."}
      }
    }
  },
  "if": {"required": ["dnssec"]},
  "then": {"properties": {"records": {"additionalProperties": {
    "propertyNames": {"not": {"pattern": "^[Dd][Nn][Ss][Kk][Ee][Yy]$"}}}}}},
  "$defs": {
    "ttl": {"type": "integer", "minimum": 0, "maximum": 2147483647},
    "data": {
      "oneOf": [
        {"type": "string"},
        {"type": "array", "items": {"type": "string"}, "minItems": 1}
      ]
    },
    "rrset": {
      "oneOf": [
        {"$ref": "#/$defs/data"},
        {"type": "object", "required": ["data"], "additionalProperties": false,
         "properties": {"ttl": {"$ref": "#/$defs/ttl"}, "data": {"$ref": "#/$defs/data"}}},
        {"type": "object", "required": ["pool"], "additionalProperties": false,
         "properties": {"ttl": {"$ref": "#/$defs/ttl"}, "pool": {"type": "string"}}}
      ]
    },
    "seconds": {"type": "number", "exclusiveMinimum": 0, "maximum": 86400},
    "rcode": {"oneOf": [
      {"enum": ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET",
                "NOTAUTH", "NOTZONE", "BADVERS", "BADCOOKIE", "noerror", "formerr", "servfail", "nxdomain", "notimp",
                "refused", "yxdomain", "yxrrset", "nxrrset", "notauth", "notzone", "badvers", "badcookie"]},
      {"type": "string", "pattern": "^(RCODE|rcode)[0-9]{1,4}$"},
      {"type": "integer", "minimum": 0, "maximum": 4095}
    ]},
    "member": {
      "oneOf": [
        {"type": "string", "description": "An IPv4 or IPv6 address."},
        {"type": "object", "required": ["address"], "additionalProperties": false,
         "properties": {
           "address": {"type": "string"},
           "weight": {"type": "integer", "minimum": 1, "maximum": 65535},
           "backup": {"type": "boolean"},
           "check_address": {"type": "string"},
           "state": {"enum": ["auto", "drain"]}
         }}
      ]
    },
    "check": {
      "type": "object",
      "required": ["type"],
      "additionalProperties": false,
      "properties": {
        "type": {"enum": ["none", "tcp", "http", "https", "dns", "exec"]},
        "port": {"type": "integer", "minimum": 1, "maximum": 65535},
        "path": {"type": "string", "pattern": "^/"},
        "host": {"type": "string"},
        "expect": {"oneOf": [
          {"type": "integer", "minimum": 100, "maximum": 599},
          {"type": "array", "items": {"type": "integer", "minimum": 100, "maximum": 599}, "minItems": 1}
        ]},
        "body": {"type": "string"},
        "tls_verify": {"type": "boolean"},
        "query_name": {"type": "string"},
        "query_type": {"type": ["string", "integer"]},
        "edns": {"type": "boolean", "description": "dns: send an OPT record (UDP size 1232, DO=0); default true."},
        "transport": {"enum": ["udp", "tcp"], "description": "dns: udp (default) retries over TCP when truncated; tcp only."},
        "expect_rcode": {"description": "dns: accepted rcode(s), by name or number; default NOERROR.", "oneOf": [
          {"$ref": "#/$defs/rcode"},
          {"type": "array", "items": {"$ref": "#/$defs/rcode"}, "minItems": 1}
        ]},
        "expect_address": {"type": "string", "description": "dns: an A/AAAA in the answer must carry this address."},
        "expect_answer": {"type": "boolean", "description": "dns: the answer must hold a record of query_type."},
        "command": {"type": "string"},
        "interval": {"$ref": "#/$defs/seconds"},
        "fast_interval": {"$ref": "#/$defs/seconds"},
        "timeout": {"$ref": "#/$defs/seconds"},
        "rise": {"type": "integer", "minimum": 1, "maximum": 100},
        "fall": {"type": "integer", "minimum": 1, "maximum": 100}
      }
    },
    "pool": {
      "type": "object",
      "required": ["members"],
      "additionalProperties": false,
      "properties": {
        "ttl": {"$ref": "#/$defs/ttl"},
        "members": {"type": "array", "items": {"$ref": "#/$defs/member"}, "minItems": 1, "maxItems": 1024},
        "check": {"$ref": "#/$defs/check"},
        "policy": {"enum": ["round-robin", "weighted"]},
        "max_answers": {"type": "integer", "minimum": 1, "maximum": 64},
        "when_all_down": {"enum": ["serve-all", "serve-none"]}
      }
    }
  }
}
)SCHEMA";
  return kSchema;
}

}  // namespace dnsd::zones
