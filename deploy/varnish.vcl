#
# Varnish 7.1 in front of writing-api (gunicorn), with surrogate-key purging.
#
# Needs Debian's `varnish` and `varnish-modules` (vmod_xkey); .ci/varnish.sh
# installs both. tests/deploy/test_varnish.py runs this file, as shipped, in
# front of a test backend (tests/varnish_server.py).
#
# What is cached: GET/HEAD under /api/v1/ (not the preview), /static/ and
# /media/, for as long as the app's Cache-Control says. Everything else (the
# admin, /healthz, /readyz, anything with credentials) goes to the app.
#
# Purging: the app's worker sends
#
#     PURGE / HTTP/1.1
#     Host: <anything>
#     xkey: post-3f0c tags            (hard: gone now)
#     xkey-softpurge: post-3f0c tags  (soft: stale now, served while refetched)
#
# and gets `200` with `X-Purged: N` and the body `{"purged": N}`. N is what
# vmod_xkey returns: for a hard purge, each key's objects added up (an object
# under two of the keys named counts twice; every Vary variant is an object);
# for a soft purge, the objects it made stale (each once; already stale ones
# not again). Read N > 0 as "something was cached", not as a page count. With
# both headers, the hard purge runs first and N is the sum. A PURGE from
# outside `purgers` is a 403; one without either header is a 400; both JSON,
# in the app's error shape.
#
# Deployment notes:
# - client.ip is what `purgers` checks. If a TLS terminator or load balancer on
#   this host connects to Varnish, every client looks like 127.0.0.1 and could
#   purge: have it speak the PROXY protocol (`-a :6086,PROXY`) so client.ip is
#   the real client, or give purging a listen address of its own.
# - Varnish appends the client to X-Forwarded-For: count it in
#   DJANGO_NUM_PROXIES, or every reader shares Varnish's rate limit.
#
vcl 4.1;

import std;
import xkey;

# Operators: point this at gunicorn's bind address (gunicorn.conf.py / the
# unit's --bind). tests/varnish_server.py rewrites .host and .port of this
# block, so keep them as plain quoted strings.
backend default {
    .host = "127.0.0.1";
    .port = "8000";
    .connect_timeout = 2s;
    # The slowest API answer (the writing index, uncached) takes well under a
    # second; 30s only bounds a stuck worker, like gunicorn's own timeout.
    .first_byte_timeout = 30s;
    .between_bytes_timeout = 10s;
    .probe = {
        # /healthz touches nothing but the process, so a database outage does
        # not take the backend out (stale objects and the app's own 503s say
        # more than Varnish's). The Host must be one of DJANGO_ALLOWED_HOSTS:
        # Django answers any other with a 400, which would mark the app sick.
        .request =
            "GET /healthz HTTP/1.1"
            "Host: localhost"
            "User-Agent: varnish-probe"
            "Connection: close";
        .expected_response = 200;
        .timeout = 2s;
        .interval = 5s;
        .window = 5;
        .threshold = 3;
        # Start healthy: a Varnish restart in front of a running app should not
        # answer 503 until the first probes come back.
        .initial = 3;
    }
}

# Who may purge. Explicit addresses rather than "localhost", which would be
# resolved once at compile time to whatever /etc/hosts says then.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    # Headers this file uses to talk to itself; a client's own copies must
    # not reach the synthetic bodies below.
    unset req.http.X-Detail;
    unset req.http.X-Error-Code;
    unset req.http.X-Purged;

    # The builtin lowercases Host and rejects HTTP/1.1 without one; run it
    # first so the purge and cache decisions below see the normalised Host.
    call vcl_req_host;

    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            set req.http.X-Detail = "Purging is not allowed from this address.";
            return (synth(403));
        }
        if (!req.http.xkey && !req.http.xkey-softpurge) {
            # No URL purge fallback: the app only ever purges by key, and a
            # bare PURGE of "/" doing something else would hide a worker bug.
            set req.http.X-Detail = "PURGE needs an xkey or xkey-softpurge header.";
            return (synth(400));
        }
        set req.http.X-Purged = "0";
        if (req.http.xkey) {
            set req.http.X-Purged = xkey.purge(req.http.xkey);
        }
        if (req.http.xkey-softpurge) {
            set req.http.X-Purged = std.integer(req.http.X-Purged, 0)
                + xkey.softpurge(req.http.xkey-softpurge);
        }
        return (synth(200, "Purged"));
    }

    # The builtin pipes unknown methods straight to the app; a read-only API
    # has no use for them, and a pipe bypasses everything below.
    if (req.method != "GET" && req.method != "HEAD" &&
        req.method != "POST" && req.method != "PUT" &&
        req.method != "PATCH" && req.method != "DELETE" &&
        req.method != "OPTIONS") {
        set req.http.X-Detail = "Method not allowed.";
        return (synth(405));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    if (req.http.Authorization) {
        return (pass);
    }

    # The admin (Django's default prefix; a DJANGO_ADMIN_URL elsewhere is
    # passed by the allow-list below anyway) and the editor's draft preview
    # are per-person. The app marks both private, but a pass here does not
    # depend on it, nor cost a hit-for-miss object per URL.
    if (req.url ~ "^/admin(/|\?|$)" || req.url ~ "^/api/v1/preview/") {
        return (pass);
    }
    # Only the public content and assets are worth a cache entry. The health
    # checks in particular must reach the app to mean anything.
    if (req.url !~ "^/(api/v1|static|media)/") {
        return (pass);
    }

    if (req.http.Cookie) {
        # A Django session or CSRF cookie means someone logged in (an editor
        # who also reads the API): pass rather than guess what it changes.
        # Names are Django's defaults (settings.py does not rename them).
        if (req.http.Cookie ~ "(^|;\s*)(sessionid|csrftoken)=") {
            return (pass);
        }
        # Anything else (analytics, consent banners) the app never reads on
        # these paths; with it the builtin would pass every browser request.
        unset req.http.Cookie;
    }

    return (hash);
}

sub vcl_hash {
    # Django's SECURE_SSL_REDIRECT answers plain-HTTP requests with a redirect
    # to https, and pagination links are absolute: the scheme (and, with
    # DJANGO_USE_X_FORWARDED_HOST, the forwarded host) is part of the answer.
    # Without this an http redirect cached for https clients loops forever,
    # and a client-sent X-Forwarded-Host could poison everyone's links.
    hash_data(req.http.X-Forwarded-Proto);
    hash_data(req.http.X-Forwarded-Host);
    # No return: the builtin then hashes the URL and Host as usual.
}

sub vcl_backend_response {
    # vmod_xkey indexes the `xkey` header of the stored object (and the legacy
    # X-HashTwo), not Surrogate-Key, and has no setting for the header name.
    # Copying it here makes the app's keys the object's keys. On a 304 from a
    # revalidation beresp already holds the stored headers, so keys survive.
    if (beresp.http.Surrogate-Key) {
        set beresp.http.xkey = beresp.http.Surrogate-Key;
    }

    if (bereq.uncacheable) {
        return (deliver);
    }

    # A background refresh (a grace hit or a soft purge) that fails keeps the
    # stale copy instead of replacing it with the error.
    if (bereq.is_bgfetch && beresp.status >= 500) {
        return (abandon);
    }

    # The builtin skips its own Cache-Control check whenever Surrogate-Control
    # is present, and caches a response without Cache-Control for
    # default_ttl (120s). The app's rules are in Cache-Control alone: private,
    # no-store, no-cache and a missing header all mean "not for a shared
    # cache", and the app marks 5xx and 429 no-store (checked by status too,
    # so a middleware that forgets cannot cache an outage).
    if (beresp.http.Cache-Control ~ "(?i)(^|[,\s])(private|no-store|no-cache)\b" ||
        (!beresp.http.Cache-Control && !beresp.http.Expires) ||
        beresp.status >= 500 || beresp.status == 429) {
        call vcl_beresp_hitmiss;
    }

    # TTL is Varnish's reading of Cache-Control (s-maxage, else max-age) and
    # grace its stale-while-revalidate. Without one, Varnish would still grant
    # its default grace (10 s): an answer the app gave no stale time (a 404's
    # max-age=...) gets none. Honour the grace the app asked for but keep it
    # modest: past a few minutes, stale content is a bug report.
    if (beresp.http.Cache-Control !~ "(?i)stale-while-revalidate") {
        set beresp.grace = 0s;
    }
    if (beresp.grace > 5m) {
        set beresp.grace = 5m;
    }
    # Keep the expired object (with its ETag/Last-Modified) a while longer so
    # the next fetch is conditional and the app can answer with a cheap 304;
    # this is also what a soft purge falls back to when grace is 0.
    set beresp.keep = 10m;

    # No return: the builtin still refuses Set-Cookie, Vary: * and ttl <= 0.
}

sub vcl_backend_error {
    # As above: a failed background refresh leaves the stale copy in place.
    if (bereq.is_bgfetch) {
        return (abandon);
    }
    # The app is unreachable: answer in its JSON error shape, not Varnish's
    # HTML page, and let nothing downstream keep it.
    set beresp.http.Content-Type = "application/json; charset=utf-8";
    set beresp.http.Cache-Control = "no-store";
    set beresp.http.Retry-After = "5";
    set beresp.body = """{"status": 503, "code": "service_unavailable", """ +
        """"detail": "The service is temporarily unavailable; retry shortly.", """ +
        """"errors": []}""";
    return (deliver);
}

sub vcl_deliver {
    set resp.http.X-Cache = "MISS";
    if (obj.hits > 0) {
        # Includes grace hits: a stale copy delivered while it is refetched.
        set resp.http.X-Cache = "HIT";
    }

    # The keys name posts and tags by id: fine for operators, nothing a
    # client needs. A purger sending `X-Cache-Debug: 1` sees them, and the
    # object's remaining TTL (negative: stale, served from grace).
    if (req.http.X-Cache-Debug && client.ip ~ purgers) {
        set resp.http.X-Cache-Hits = obj.hits;
        set resp.http.X-Cache-TTL = obj.ttl;
    } else {
        unset resp.http.Surrogate-Key;
        unset resp.http.xkey;
    }
}

sub vcl_synth {
    # Every answer Varnish makes itself is JSON and never stored.
    set resp.http.Content-Type = "application/json; charset=utf-8";
    set resp.http.Cache-Control = "no-store";
    if (req.method == "PURGE" && resp.status == 200) {
        set resp.http.X-Purged = req.http.X-Purged;
        set resp.body = """{"purged": """ + req.http.X-Purged + "}";
        return (deliver);
    }
    # The app's error shape (api/errors.py). The status line keeps the
    # standard reason; the detail is one of the fixed strings set above (none
    # with a quote in it), else the reason.
    if (!req.http.X-Detail) {
        set req.http.X-Detail = resp.reason;
    }
    if (resp.status == 400) {
        set req.http.X-Error-Code = "invalid_parameter";
    } elsif (resp.status == 403) {
        set req.http.X-Error-Code = "forbidden";
    } elsif (resp.status == 405) {
        set req.http.X-Error-Code = "method_not_allowed";
        set resp.http.Allow = "GET, HEAD, OPTIONS";
    } else {
        set req.http.X-Error-Code = "error";
    }
    set resp.body = """{"status": """ + resp.status + {", "code": ""} +
        req.http.X-Error-Code + {"", "detail": ""} + req.http.X-Detail +
        """", "errors": []}""";
    return (deliver);
}
