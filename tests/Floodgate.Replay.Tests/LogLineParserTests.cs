using Floodgate.AspNetCore.Replay;
using Floodgate.Replay.Logs;

namespace Floodgate.Replay.Tests;

public sealed class LogLineParserTests
{
    private static readonly long Time = TraceRecord.ToTimestamp(new DateTimeOffset(2025, 10, 10, 13, 55, 36, TimeSpan.Zero));

    [Fact]
    public void Combined_FullLine_ReadsClientTimeMethodPathWithoutQuery()
    {
        var ok = LogLineParser.TryParse(
            """203.0.113.7 - alice [10/Oct/2025:15:55:36 +0200] "get /api/items/42?page=2 HTTP/1.1" 200 153 "https://example.com/" "Mozilla/5.0 (X11)" """,
            LogFormat.Auto, out var record, out var reason);

        Assert.True(ok, reason);
        Assert.Equal(new TraceRecord(Time, "203.0.113.7", "GET", "/api/items/42", Admitted: true), record);
    }

    [Theory]
    [InlineData("""2001:db8::1 - - [10/Oct/2025:13:55:36 +0000] "POST /login HTTP/2.0" 429 0""", "2001:db8::1", "POST", "/login", false)]
    [InlineData("""198.51.100.1 - - [10/Oct/2025:06:55:36 -0700] "GET http://example.com/a/b?c HTTP/1.1" 503 12 "-" "-" """, "198.51.100.1", "GET", "/a/b", true)]
    [InlineData("""198.51.100.2 - - [10/Oct/2025:13:55:36 +0000] "HEAD / HTTP/1.0" 200 -""", "198.51.100.2", "HEAD", "/", true)]
    public void Combined_CommonFormatAndVariants_AreRead_And429IsADenial(string line, string client, string method, string path, bool admitted)
    {
        Assert.True(LogLineParser.TryParse(line, LogFormat.Combined, out var record, out var reason), reason);
        Assert.Equal(new TraceRecord(Time, client, method, path, admitted), record);
    }

    [Theory]
    [InlineData("garbage", "not in the combined log format")]
    [InlineData("""203.0.113.7 - - [32/Oct/2025:13:55:36 +0000] "GET / HTTP/1.1" 200 1""", "the time '32/Oct/2025:13:55:36 +0000'")]
    [InlineData("""203.0.113.7 - - [10/Oct/2025:13:55:36 +0000] "GET * HTTP/1.1" 200 1""", "the request target '*' is not a path")]
    [InlineData("""203.0.113.7 - - [10/Oct/2025:13:55:36 +0000] "\x16\x03\x01" 400 1""", "not in the combined log format")]
    public void Combined_Malformed_SaysWhy(string line, string reason)
    {
        Assert.False(LogLineParser.TryParse(line, LogFormat.Auto, out _, out var why));
        Assert.StartsWith(reason, why, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_AllFields_AreRead()
    {
        var ok = LogLineParser.TryParse(
            """{"time": "2025-10-10T15:55:36+02:00", "client": "user:alice", "method": "post", "path": "/api/orders?x=1", "status": 200, "admitted": false, "tier": "gold", "cost": 3, "endpoint": "POST /api/orders", "extra": [1]}""",
            LogFormat.Auto, out var record, out var reason);

        Assert.True(ok, reason);
        Assert.Equal(new TraceRecord(Time, "user:alice", "POST", "/api/orders", Admitted: false, Tier: "gold", Cost: 3, Endpoint: "POST /api/orders"), record);
    }

    [Theory]
    [InlineData("""{"time": 1760104536.25, "client": "c", "method": "GET", "path": "/"}""", 250_000, true)]
    [InlineData("""{"time": 1760104536, "client": "c", "method": "GET", "path": "/", "status": "429"}""", 0, false)]
    [InlineData("""  {"time": "2025-10-10T13:55:36Z", "client": "c", "method": "GET", "path": "/", "status": 429}""", 0, false)]
    public void Json_UnixSecondsAndStatus_AreRead(string line, long extraMicroseconds, bool admitted)
    {
        Assert.True(LogLineParser.TryParse(line, LogFormat.Json, out var record, out var reason), reason);
        Assert.Equal(Time + extraMicroseconds, record.Timestamp);
        Assert.Equal(admitted, record.Admitted);
    }

    [Theory]
    [InlineData("""{"time": "2025-10-10T13:55:36Z", "method": "GET", "path": "/"}""", "\"client\" is missing")]
    [InlineData("""{"time": "yesterday", "client": "c", "method": "GET", "path": "/"}""", "\"time\" must be")]
    [InlineData("""{"time": 1760104536, "client": "c", "method": "GET", "path": "nope"}""", "\"path\" 'nope' is not a path")]
    [InlineData("""{"time": 1760104536, "client": 7, "method": "GET", "path": "/"}""", "\"client\" must be a non-empty string")]
    [InlineData("""{"time": 1760104536, "client": "c", "method": "GET", "path": "/", "cost": -1}""", "\"cost\" must be")]
    [InlineData("""{"time": 1760104536, "client": "c", "method": "GET", "path": "/", "cost": "two"}""", "\"cost\" must be")]
    [InlineData("""{"time": 1760104536, "client": "c", "method": "GET", "path": "/", "status": true}""", "\"status\" must be")]
    [InlineData("""{"time": 1760104536, "client": "c", """, "not JSON")]
    [InlineData("""[1, 2]""", "not in the combined log format")]
    public void Json_Malformed_SaysWhy(string line, string reason)
    {
        Assert.False(LogLineParser.TryParse(line, LogFormat.Auto, out _, out var why));
        Assert.StartsWith(reason, why, StringComparison.Ordinal);
    }
}
