using Floodgate.Replay.Logs;

namespace Floodgate.Replay.Tests;

public sealed class AccessLogReaderTests
{
    [Fact]
    public void Records_MalformedLines_AreCountedWithTheirNumbers_AndNeverStopTheRead()
    {
        var log = string.Join('\n',
            """203.0.113.1 - - [10/Oct/2025:13:55:36 +0000] "GET /a HTTP/1.1" 200 1""",
            "",
            "not a log line",
            """{"time": 1760104537, "client": "c", "method": "GET", "path": "/b"}""",
            """{"time": 1760104538, "client": "c" """,
            """203.0.113.1 - - [10/Oct/2025:13:55:39 +0000] "GET /c HTTP/1.1" 429 1""");
        var reader = new AccessLogReader(new StringReader(log), LogFormat.Auto);

        var records = reader.Records().ToList();

        Assert.Equal(["/a", "/b", "/c"], records.Select(r => r.Path));
        Assert.Equal(6, reader.Lines);
        Assert.Equal(2, reader.MalformedCount);
        Assert.Equal([3L, 5L], reader.Malformed.Select(m => m.Number));
        Assert.StartsWith("not in the combined log format", reader.Malformed[0].Reason, StringComparison.Ordinal);
        Assert.StartsWith("not JSON", reader.Malformed[1].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Records_ManyMalformedLines_CountsAll_KeepsTheFirstHundred()
    {
        var reader = new AccessLogReader(new StringReader(string.Join('\n', Enumerable.Repeat("junk", 250))), LogFormat.Combined);

        Assert.Empty(reader.Records());
        Assert.Equal(250, reader.MalformedCount);
        Assert.Equal(AccessLogReader.KeptMalformed, reader.Malformed.Count);
        Assert.Equal(100, reader.Malformed[^1].Number);
    }
}
