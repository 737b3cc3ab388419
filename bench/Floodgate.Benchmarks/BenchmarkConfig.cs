using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using Perfolizer.Horology;

namespace Floodgate.Benchmarks;

/// <summary>
/// A short job (3 warm-up and 10 measured iterations of 250 ms) so the whole comparison runs in minutes on two shared
/// cores, with median-based ratios beside BenchmarkDotNet's mean-based <c>Ratio</c>: medians resist the noise of a
/// machine that is building something else at the same time.
/// </summary>
internal sealed class BenchmarkConfig : ManualConfig
{
    public BenchmarkConfig()
    {
        AddJob(Job.Default
            .WithWarmupCount(3)
            .WithIterationCount(10)
            .WithIterationTime(TimeInterval.FromMilliseconds(250))
            .WithId("Short"));
        AddColumn(StatisticColumn.Median);
        AddColumn(new VersusColumn("÷floor", "median ÷ median of the floor (ConcurrentDictionary.AddOrUpdate) in the same category and thread count", static _ => "Floor"));
        AddColumn(new VersusColumn("÷partitioned", "median ÷ median of PartitionedRateLimiter with the matching built-in algorithm, same category and thread count", static family => "Partitioned_" + family));
        AddColumn(new VersusColumn("÷single", "median ÷ median of one built-in limiter instance with the matching algorithm, same category and thread count", static family => "BuiltIn_" + family));
        HideColumns(Column.Error, Column.RatioSD, Column.AllocRatio);
        SummaryStyle = SummaryStyle.Default.WithTimeUnit(TimeUnit.Nanosecond);
    }

    /// <summary>
    /// The ratio of this benchmark's median to a counterpart's. Benchmarks are named <c>Kind_Algorithm[_Async]_Scenario</c>;
    /// a Floodgate algorithm is compared with the built-in one of the same family (GCRA with the token bucket, both
    /// sliding windows with the built-in sliding window).
    /// </summary>
    private sealed class VersusColumn(string name, string legend, Func<string, string> counterpartPrefix) : IColumn
    {
        public string Id => nameof(VersusColumn) + name;

        public string ColumnName => name;

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => legend;

        public bool IsDefault(Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmarkCase) => false;

        public bool IsAvailable(Summary summary) => true;

        public string GetValue(Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmarkCase) =>
            GetValue(summary, benchmarkCase, summary.Style);

        public string GetValue(Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var parts = benchmarkCase.Descriptor.WorkloadMethod.Name.Split('_');
            if (parts[0] != "Floodgate")
            {
                return "-";
            }

            var family = parts[1] switch
            {
                "TokenBucket" or "Gcra" => "TokenBucket",
                "SlidingWindowCounter" or "SlidingWindowLog" => "SlidingWindow",
                "FixedWindow" => "FixedWindow",
                _ => parts[1],
            };
            var counterpartName = counterpartPrefix(family) + "_" + parts[^1];
            var counterpart = summary.BenchmarksCases.FirstOrDefault(c =>
                c.Descriptor.WorkloadMethod.Name == counterpartName &&
                c.Parameters.DisplayInfo == benchmarkCase.Parameters.DisplayInfo);
            var mine = summary[benchmarkCase]?.ResultStatistics?.Median;
            var theirs = counterpart is null ? null : summary[counterpart]?.ResultStatistics?.Median;
            return mine is { } m && theirs is { } t && t > 0
                ? (m / t).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)
                : "-";
        }
    }
}
