using Floodgate.Layers;
using Floodgate.Storage.Testing;
using Floodgate.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Floodgate.Tests.Layers;

/// <summary>The surge detector: opens over its threshold, half-opens after the cool-down, and closes or opens again.</summary>
public sealed class CircuitBreakerTests
{
    private readonly FakeTimeProvider _time = new(RateLimitStoreContract.Start);

    private CircuitBreaker Breaker() => new(new RateLimit(5, TimeSpan.FromSeconds(1)), TimeSpan.FromSeconds(30), _time);

    private static CircuitState Surge(CircuitBreaker breaker, int requests)
    {
        var state = CircuitState.Closed;
        for (var i = 0; i < requests; i++)
        {
            state = breaker.Record();
        }

        return state;
    }

    [Fact]
    public void OverTheThreshold_Opens_ForTheCoolDown()
    {
        var breaker = Breaker();

        Assert.Equal(CircuitState.Closed, Surge(breaker, 5));
        Assert.Equal(CircuitState.Open, breaker.Record());
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public void HalfOpen_ASecondSurge_OpensAgain()
    {
        var breaker = Breaker();
        Surge(breaker, 6);
        _time.Advance(TimeSpan.FromSeconds(31));

        Assert.Equal(CircuitState.HalfOpen, breaker.Record()); // the probe
        var states = new List<CircuitState>();
        breaker.StateChanged += states.Add;

        Assert.Equal(CircuitState.Open, Surge(breaker, 5));
        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal([CircuitState.Open], states);
    }

    [Fact]
    public void HalfOpen_AQuietWindow_Closes()
    {
        var breaker = Breaker();
        Surge(breaker, 6);
        _time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(CircuitState.HalfOpen, Surge(breaker, 3));

        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(CircuitState.Closed, breaker.Record());
    }
}
