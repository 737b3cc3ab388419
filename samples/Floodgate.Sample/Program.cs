using Floodgate;
using Floodgate.Storage;

// The smallest use of the core library: one store, one limit, a few requests.
using var store = new InMemoryRateLimitStore();
var login = RateLimit.Parse("3/minute SlidingWindowLog");

for (var attempt = 1; attempt <= 5; attempt++)
{
    var decision = store.Acquire("client-42", login);
    Console.WriteLine(decision.IsAllowed
        ? $"attempt {attempt}: allowed, {decision.Remaining} left"
        : $"attempt {attempt}: denied, retry after {decision.RetryAfter.TotalSeconds:F0}s");
}
