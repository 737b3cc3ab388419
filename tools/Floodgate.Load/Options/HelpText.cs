namespace Floodgate.Load.Options;

/// <summary><c>--help</c>.</summary>
internal static class HelpText
{
    public const string Text = """
        Floodgate.Load: a load generator for Floodgate (and any HTTP server on this machine).

        usage: dotnet run --project tools/Floodgate.Load -- --url URL [options]

        TARGETS: LOOPBACK ONLY
          --url URL           the target, http:// or https://. It must be a loopback address (127.0.0.0/8,
                              [::1]) or localhost; any other host is refused, and every connection is checked
                              again to go to a loopback address. No DNS is asked. Redirects are not followed and
                              proxies from the environment are not used. With a bare base (no path) such as
                              http://127.0.0.1:8000 the scenario's path is used; a URL with a path is sent to
                              as given.

        LOAD MODEL
          --rate N            open model (the default): N requests per second on a fixed schedule, each timed
                              from its scheduled send time, so a stalled server shows in the latency (no
                              coordinated omission). Above 0, at most 100000.
          --concurrency N     closed model: N workers (1-1000), each sending the next request when the last one
                              is answered. Excludes --rate.
          --duration D        how long to send: 500ms, 30s, 2m (plain numbers are seconds). At most 10m.
          --requests N        stop after N requests. At most 10,000,000; rate x duration may not exceed it.
          --connections N     connection pool size (1-1000); default 64, or --concurrency.
          --timeout D         per-request timeout; default 10s, at most 60s.

        REQUESTS
          --method M          HTTP method; default from the scenario (GET, POST for credential-stuffing).
          --header K:V        a request header; repeatable. Host, Content-Length and Transfer-Encoding are
                              the tool's own.
          --body TEXT         request body (at most 1 MiB); Content-Type application/json unless a
                              --header Content-Type says otherwise.
          --identity KIND     how simulated clients differ:
                                none       every request is this machine (the default for steady and burst)
                                forwarded  a distinct X-Forwarded-For per client from the documentation ranges
                                           198.51.100.0/24, 203.0.113.0/24, 192.0.2.0/24 (then 2001:db8::/32, one
                                           /64 each). Only ever written into a header, never connected to. The
                                           server must trust 127.0.0.1 as a proxy to use it.
                                api-key    a distinct X-API-Key per client
          --clients N         simulated clients, 1-100000; request n is sent as client n mod N. --clients
                              above 1 without --identity means --identity forwarded.
          --first-client N    number the clients from N (default 0, at most 10000000): runs with disjoint
                              ranges send disjoint identities, e.g. one range per instance behind a
                              load balancer.

        SCENARIOS (--scenario NAME; options given explicitly override the defaults shown)
          steady              constant rate. GET /api/data, 100/s, 30s. The default.
          burst               7 s at --rate, then 3 s at 10 x --rate, repeated. GET /api/data, 5/s, 40s.
          credential-stuffing POST /auth/login with varying user names and passwords from 5 forwarded
                              clients, 20/s, 30s.
          distributed         500 forwarded clients, each under its own limit, together over a global one:
                              GET /api/data, 200/s, 30s. Run the server with
                              Floodgate__Global__Limit=100/second (and the trusted proxy) to see it.
          ipv6-rotation       X-Forwarded-For rotating over 256 addresses inside 2001:db8:ffff:1::/64, which
                              Floodgate groups as one client: GET /api/data, 20/s, 20s.

        OUTPUT
          (default)           a live progress line, then a table: sent, allowed (2xx), throttled (429, 420,
                              503, by status), errors (by kind), achieved rate, latency p50/p90/p99/p99.9/max.
          --json              the result as JSON on standard output, and no progress.
          --report FILE       also write a self-contained HTML report (inline SVG charts, works offline).
          -h, --help          this text.

        Ctrl+C stops sending, lets requests in flight finish for up to 2 s, and prints what was measured.
        Exit status: 0 after a run, 1 when no request got an HTTP response, 2 for a bad command line.
        """;
}
