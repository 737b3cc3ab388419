using Floodgate.Load.Options;
using Floodgate.Load.Scenarios;

namespace Floodgate.Load.Tests;

/// <summary>Every bad command line is refused before anything is sent, with a message naming the option.</summary>
public sealed class ArgumentValidationTests
{
    [Theory]
    [InlineData("http://example.com/api/data")]
    [InlineData("http://10.0.0.1:8000/")]
    [InlineData("http://192.168.1.10/")]
    [InlineData("http://172.16.0.1/")]
    [InlineData("http://8.8.8.8/")]
    [InlineData("http://0.0.0.0:8000/")]
    [InlineData("http://[2001:db8::1]/")]
    [InlineData("http://[::ffff:10.0.0.1]/")]
    [InlineData("http://localhost.example.com/")]
    [InlineData("http://127.0.0.1.nip.io/")]
    [InlineData("https://198.51.100.7/")]
    public async Task Url_NotLoopback_IsRefusedAndNothingIsSent(string url)
    {
        var (status, output, error) = await Run.CommandAsync("--url", url, "--rate", "10", "--duration", "1s");

        Assert.Equal(LoadCommand.Usage, status);
        Assert.Contains("--url must point at this machine: a loopback address", error, StringComparison.Ordinal);
        Assert.Equal("", output);
    }

    [Theory]
    [InlineData("http://127.0.0.1:8000/api/data")]
    [InlineData("http://127.8.9.10/")]
    [InlineData("http://localhost:8000/")]
    [InlineData("http://LOCALHOST/")]
    [InlineData("http://[::1]:8000/")]
    [InlineData("https://[::ffff:127.0.0.1]/")]
    public void Url_Loopback_IsAccepted(string url)
    {
        Assert.NotNull(LoadOptionsParser.Parse(["--url", url]).Url);
    }

    [Theory]
    [InlineData("ftp://127.0.0.1/")]
    [InlineData("/api/data")]
    [InlineData("127.0.0.1:8000")]
    public void Url_NotHttp_IsRefused(string url)
    {
        var e = Assert.Throws<UsageException>(() => LoadOptionsParser.Parse(["--url", url]));
        Assert.StartsWith("--url must be an absolute http:// or https:// URL", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("11m", "--duration must be at most 10m (was '11m').")]
    [InlineData("601s", "--duration must be at most 10m (was '601s').")]
    [InlineData("1h", "--duration must be at most 10m (was '1h').")]
    [InlineData("0s", "--duration must be a positive time such as 500ms, 30s or 2m (was '0s').")]
    [InlineData("-5s", "--duration must be a positive time such as 500ms, 30s or 2m (was '-5s').")]
    [InlineData("soon", "--duration must be a positive time such as 500ms, 30s or 2m (was 'soon').")]
    public void Duration_OverTheCapOrMeaningless_IsRefused(string duration, string message)
    {
        var e = Assert.Throws<UsageException>(() => LoadOptionsParser.Parse(["--url", "http://127.0.0.1/", "--duration", duration]));
        Assert.Equal(message, e.Message);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-10")]
    [InlineData("abc")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("100001")]
    public void Rate_OutOfRange_IsRefused(string rate)
    {
        var e = Assert.Throws<UsageException>(() => LoadOptionsParser.Parse(["--url", "http://127.0.0.1/", "--rate", rate]));
        Assert.Equal($"--rate must be a number of requests per second above 0 and at most 100000 (was '{rate}').", e.Message);
    }

    [Fact]
    public void RateTimesDuration_OverTheRequestCap_IsRefused()
    {
        var options = LoadOptionsParser.Parse(["--url", "http://127.0.0.1/", "--rate", "20000", "--duration", "10m"]);

        var e = Assert.Throws<UsageException>(() => LoadPlan.Create(options));
        Assert.Equal(
            "--rate 20000 for --duration 10m is 12,000,000 requests; a run sends at most 10,000,000. Lower the rate or the duration, or cap it with --requests.",
            e.Message);
    }

    [Theory]
    [InlineData("--requests", "10000001", "--requests must be a whole number of requests from 1 to 10000000 (was '10000001').")]
    [InlineData("--concurrency", "0", "--concurrency must be a whole number of workers from 1 to 1000 (was '0').")]
    [InlineData("--clients", "100001", "--clients must be a whole number of simulated clients from 1 to 100000 (was '100001').")]
    [InlineData("--first-client", "10000001", "--first-client must be a whole number of skipped clients from 0 to 10000000 (was '10000001').")]
    [InlineData("--timeout", "2m", "--timeout must be at most 60s (was '2m').")]
    [InlineData("--identity", "cookie", "--identity must be one of none, forwarded, api-key (was 'cookie').")]
    [InlineData("--scenario", "tsunami", "--scenario must be one of steady, burst, credential-stuffing, distributed, ipv6-rotation (was 'tsunami').")]
    [InlineData("--header", "no-colon", "--header must be Name:Value, e.g. --header \"Accept: application/json\" (was 'no-colon').")]
    [InlineData("--header", "Host: evil.example", "--header Host is set by the tool from --url and --body; leave it out.")]
    [InlineData("--speed", "11", "Unknown option --speed (see --help).")]
    public void Option_OutOfRange_IsRefusedWithItsName(string option, string value, string message)
    {
        var e = Assert.Throws<UsageException>(() => LoadOptionsParser.Parse(["--url", "http://127.0.0.1/", option, value]));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void RateAndConcurrency_Together_AreRefused()
    {
        var options = LoadOptionsParser.Parse(["--url", "http://127.0.0.1/", "--rate", "10", "--concurrency", "4"]);

        var e = Assert.Throws<UsageException>(() => LoadPlan.Create(options));
        Assert.StartsWith("--rate and --concurrency exclude each other", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Burst_InTheClosedModel_IsRefused()
    {
        var options = LoadOptionsParser.Parse(["--url", "http://127.0.0.1/", "--scenario", "burst", "--concurrency", "4"]);

        var e = Assert.Throws<UsageException>(() => LoadPlan.Create(options));
        Assert.StartsWith("--scenario burst changes the rate over time", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Url_Missing_IsRefused()
    {
        var e = Assert.Throws<UsageException>(() => LoadPlan.Create(LoadOptionsParser.Parse(["--rate", "10"])));
        Assert.Equal("--url is required, e.g. --url http://127.0.0.1:8000/api/data.", e.Message);
    }

    [Fact]
    public async Task Help_ListsTheLoopbackRuleAndTheCaps()
    {
        var (status, output, _) = await Run.CommandAsync("--help");

        Assert.Equal(LoadCommand.Ok, status);
        Assert.Contains("It must be a loopback address", output, StringComparison.Ordinal);
        Assert.Contains("At most 10m.", output, StringComparison.Ordinal);
        Assert.Contains("At most 10,000,000", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_InBothSpellings_AreRead()
    {
        var options = LoadOptionsParser.Parse(
            ["--url=http://127.0.0.1:8000/api/data", "--rate", "2000", "--duration=30s", "--clients", "100", "--header", "A: 1", "--header=B:2"]);

        Assert.Equal(2000, options.Rate);
        Assert.Equal(TimeSpan.FromSeconds(30), options.Duration);
        Assert.Equal(100, options.Clients);
        Assert.Equal([new("A", "1"), new("B", "2")], options.Headers);
    }
}
