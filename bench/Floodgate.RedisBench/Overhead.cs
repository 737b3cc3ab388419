using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using Floodgate.Redis;
using StackExchange.Redis;

namespace Floodgate.RedisBench;

/// <summary>
/// The store's own cost per decision, without a network: <see cref="RedisRateLimitStore"/> on a fake multiplexer whose
/// <c>ScriptEvaluateAsync</c> returns an already completed admission, against calling that fake directly with KEYS and
/// ARGV built once. The difference is what the store adds (key, arguments, arrays, async frames, bookkeeping); what a
/// real round trip adds on top (the client library, the timeout, thread hops) is measured by the scenarios.
/// CPU time of the process per call, best of several runs, per thread count, so that a busy machine disturbs it less.
/// </summary>
internal static class Overhead
{
    public static int Run(int[] threadCounts, TimeSpan duration, int repetitions)
    {
        var database = FakeDatabase.Create();
        var multiplexer = FakeMultiplexer.Create(database);
        var options = Scenario.StoreOptions("fake:1", overLimitCache: true);
        using var store = new RedisRateLimitStore(multiplexer, options);

        foreach (var threads in threadCounts)
        {
            var direct = Best(threads, duration, repetitions, i => DirectLoop(database, store, i));
            var viaStore = Best(threads, duration, repetitions, i => StoreLoop(store, i));
            Console.WriteLine($"threads {threads}: fake ScriptEvaluateAsync alone {direct.Nanoseconds:F0} ns CPU and {direct.Bytes:F0} B per call; " +
                $"through RedisRateLimitStore.AcquireAsync {viaStore.Nanoseconds:F0} ns CPU and {viaStore.Bytes:F0} B per decision; " +
                $"the store adds {viaStore.Nanoseconds - direct.Nanoseconds:F0} ns and {viaStore.Bytes - direct.Bytes:F0} B");
        }

        return store.IsDegraded ? 1 : 0;
    }

    private static (double Nanoseconds, double Bytes) Best(int threads, TimeSpan duration, int repetitions, Func<int, Func<long, (long Calls, long Bytes)>> loop)
    {
        var best = (Nanoseconds: double.MaxValue, Bytes: double.MaxValue);
        for (var r = 0; r < repetitions; r++)
        {
            var results = new (long Calls, long Bytes)[threads];
            using var process = Process.GetCurrentProcess();
            var cpu = process.TotalProcessorTime;
            var deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
            var workers = new Thread[threads];
            for (var t = 0; t < threads; t++)
            {
                var index = t;
                workers[t] = new Thread(() => results[index] = loop(index)(deadline));
                workers[t].Start();
            }

            foreach (var worker in workers)
            {
                worker.Join();
            }

            process.Refresh();
            var calls = results.Sum(x => x.Calls);
            // CPU time, not wall time: on a shared machine a thread waits for a core without costing anything.
            var nanoseconds = (process.TotalProcessorTime - cpu).TotalNanoseconds / calls;
            var bytes = (double)results.Sum(x => x.Bytes) / calls;
            best = (Math.Min(best.Nanoseconds, nanoseconds), Math.Min(best.Bytes, bytes));
        }

        return best;
    }

    private static Func<long, (long, long)> DirectLoop(IDatabase database, RedisRateLimitStore store, int index) => deadline =>
    {
        RedisKey[] keys = [store.StateKey($"bench:{index}", Scenario.AdmitLimit)];
        var arguments = store.Arguments([new RateLimitRequest($"bench:{index}", Scenario.AdmitLimit, 1)], consume: true);
        var sha = RedisScripts.BatchSha1;
        long calls = 0, allowed = 0;
        var bytes = GC.GetAllocatedBytesForCurrentThread();
        while (Stopwatch.GetTimestamp() < deadline)
        {
            for (var i = 0; i < 256; i++)
            {
#pragma warning disable SER307 // The fake's task is already completed: nothing waits.
                var result = database.ScriptEvaluateAsync(sha, keys, arguments).GetAwaiter().GetResult();
#pragma warning restore SER307
                allowed += (long)((RedisResult[])result!)[0];
            }

            calls += 256;
        }

        return (calls, GC.GetAllocatedBytesForCurrentThread() - bytes + (allowed == calls ? 0 : 1));
    };

    private static Func<long, (long, long)> StoreLoop(RedisRateLimitStore store, int index) => deadline =>
    {
        var key = $"bench:{index}";
        var limit = Scenario.AdmitLimit;
        long calls = 0, allowed = 0;
        var bytes = GC.GetAllocatedBytesForCurrentThread();
        while (Stopwatch.GetTimestamp() < deadline)
        {
            for (var i = 0; i < 256; i++)
            {
                var pending = store.AcquireAsync(key, limit);
                // The fake answers at once, so a lone caller completes synchronously; with several threads, a decision
                // can join the batch another thread is sending, and completes when that thread hands out the reply.
#pragma warning disable SER307 // Completed, or completed by another thread without waiting for anything else.
                var decision = pending.IsCompleted ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
#pragma warning restore SER307
                allowed += decision.IsAllowed ? 1 : 0;
            }

            calls += 256;
        }

        if (allowed != calls)
        {
            throw new InvalidOperationException("The fake admission was not admitted.");
        }

        return (calls, GC.GetAllocatedBytesForCurrentThread() - bytes);
    };

    /// <summary>
    /// An <see cref="IDatabase"/> whose script calls return a completed reply that admits every limit sent (four values
    /// per key: admitted, remaining, reset after, retry after), one cached reply per number of keys, so that a batch of
    /// several requests gets its whole reply; anything else is not supported.
    /// </summary>
#pragma warning disable CA1852 // DispatchProxy derives from its proxy type: it cannot be sealed.
    internal class FakeDatabase : DispatchProxy
    {
        private readonly ConcurrentDictionary<int, Task<RedisResult>> _replies = new();

        public static IDatabase Create() => Create<IDatabase, FakeDatabase>();

        private Task<RedisResult> Reply(object? keys) => _replies.GetOrAdd(
            keys is RedisKey[] array ? array.Length : 1,
            static count =>
            {
                // The batch script's reply: one string of four decimal integers per key, separated by spaces.
                var values = string.Join(' ', Enumerable.Repeat("1 999999999 86400000000 0", count));
                return Task.FromResult(RedisResult.Create((RedisValue)System.Text.Encoding.ASCII.GetBytes(values)));
            });

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => targetMethod?.Name switch
        {
            nameof(IDatabase.ScriptEvaluateAsync) => Reply(args?[1]),
            "get_" + nameof(IDatabase.Database) => 0,
            _ => throw new NotSupportedException(targetMethod?.Name),
        };
    }

    /// <summary>An <see cref="IConnectionMultiplexer"/> that hands out one <see cref="FakeDatabase"/> and accepts event handlers.</summary>
    internal class FakeMultiplexer : DispatchProxy
    {
        private IDatabase? _database;

        public static IConnectionMultiplexer Create(IDatabase database)
        {
            var multiplexer = Create<IConnectionMultiplexer, FakeMultiplexer>();
            ((FakeMultiplexer)(object)multiplexer)._database = database;
            return multiplexer;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => targetMethod?.Name switch
        {
            nameof(IConnectionMultiplexer.GetDatabase) => _database,
            nameof(IConnectionMultiplexer.HashSlot) => 0,
            // No server to ask: the store takes it for a single server, not a Cluster.
            nameof(IConnectionMultiplexer.GetServers) => Array.Empty<IServer>(),
            "get_" + nameof(IConnectionMultiplexer.IsConnected) => true,
            nameof(IDisposable.Dispose) => null,
            // The store follows the connection's events (failed, restored); the fake never raises them.
            { } name when name.StartsWith("add_", StringComparison.Ordinal) || name.StartsWith("remove_", StringComparison.Ordinal) => null,
            _ => throw new NotSupportedException(targetMethod?.Name),
        };
    }
#pragma warning restore CA1852
}
