using System.Diagnostics;

namespace Floodgate.Testing;

/// <summary>Waits for real processes (replication, failover, cluster join) by polling with a bounded deadline.</summary>
public static class Poll
{
    /// <summary>Polls <paramref name="condition"/> every 20 ms until it holds; throws once <paramref name="timeout"/> has passed.</summary>
    /// <exception cref="TimeoutException">The condition did not hold in time; the message names <paramref name="what"/>.</exception>
    public static void Until(Func<bool> condition, TimeSpan timeout, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > timeout)
            {
                throw new TimeoutException($"Waited {timeout.TotalSeconds:F0} s for {what}.");
            }

            Thread.Sleep(20);
        }
    }

    /// <summary>
    /// Like <see cref="Until"/> without holding a thread while it waits: tests that drive a client library which
    /// itself blocks pool threads (StackExchange.Redis during a Sentinel switch) must not starve it.
    /// </summary>
    public static async Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what, CancellationToken cancellationToken = default)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > timeout)
            {
                throw new TimeoutException($"Waited {timeout.TotalSeconds:F0} s for {what}.");
            }

            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Like <see cref="UntilAsync(Func{bool}, TimeSpan, string, CancellationToken)"/> for a condition that is itself asynchronous.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, CancellationToken cancellationToken = default)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition().ConfigureAwait(false))
        {
            if (watch.Elapsed > timeout)
            {
                throw new TimeoutException($"Waited {timeout.TotalSeconds:F0} s for {what}.");
            }

            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }
    }
}
