using BenchmarkDotNet.Running;
using Floodgate.Benchmarks;

// dotnet run -c Release --project bench/Floodgate.Benchmarks -- --filter '*'   the decision benchmarks
// dotnet run -c Release --project bench/Floodgate.Benchmarks -- memory          memory per idle key, and the MaxKeys bound
// dotnet run -c Release --project bench/Floodgate.Benchmarks -- interleaved     one-thread ratios measured round-robin (robust to a busy machine)
// dotnet run -c Release --project bench/Floodgate.Benchmarks -- replay          replayed requests per second on one thread, per algorithm
if (args is ["interleaved", ..])
{
    return InterleavedComparison.Run();
}

if (args is ["replay", ..])
{
    return ReplayThroughput.Run(args);
}

if (args is ["memory", ..])
{
    return MemoryPerKey.Run();
}

BenchmarkSwitcher.FromAssembly(typeof(DecisionBenchmarks).Assembly).Run(args);
return 0;
