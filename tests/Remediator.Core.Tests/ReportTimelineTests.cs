using System.Globalization;
using System.Text;
using System.Text.Json;
using Remediator.Core.Diagnosis;
using Remediator.Core.Ingest;
using Remediator.Core.Report;
using Remediator.Core.Tests.Support;

namespace Remediator.Core.Tests;

/// <summary>Inputs diagnosed the way the command does it: with a timeline recorder watching the failures.</summary>
public static class ReportInputs
{
    /// <summary>Every bundled sample (the README's first command).</summary>
    public static string[] AllSamples => Directory.GetFiles(Fixtures.SamplesRoot).Where(f => !f.EndsWith(".md", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray();

    /// <summary>The samples of the one incident (June 2024), without the deployed delivery made for replay.</summary>
    public static string[] IncidentSamples => AllSamples.Where(f => !Path.GetFileName(f).StartsWith("deployed-", StringComparison.Ordinal)).ToArray();

    public static (DiagnosisResult Result, Timeline Timeline) Diagnose(IEnumerable<string> paths) =>
        Diagnose(paths.Select(p => (Path.GetFileName(p), (Stream)File.OpenRead(p))));

    public static (DiagnosisResult Result, Timeline Timeline) DiagnoseText(string text) =>
        Diagnose([("test", new MemoryStream(Encoding.UTF8.GetBytes(text)))]);

    private static (DiagnosisResult Result, Timeline Timeline) Diagnose(IEnumerable<(string Name, Stream Stream)> inputs)
    {
        var recorder = new TimelineRecorder();
        var builder = new DiagnosisBuilder { FailureObserved = recorder.Add };
        foreach (var (name, stream) in inputs)
        {
            using (stream)
            {
                foreach (var record in InputReader.Read(stream, LogContext.For(name)))
                {
                    builder.Add(record);
                }
            }
        }
        var result = builder.Build();
        return (result, recorder.Build(result));
    }

    /// <summary>A REST access-log entry that failed with a 502 (a function error) at <paramref name="time"/>.</summary>
    public static string AccessEntry(DateTimeOffset time, string path = "/books/{id}", int n = 0) =>
        "{\"apiId\":\"a1b2c3d4e5\",\"stage\":\"prod\",\"requestId\":\"" + Guid.Parse($"00000000-0000-0000-0000-{n:D12}") + "\",\"requestTime\":\""
        + time.ToString("dd/MMM/yyyy:HH:mm:ss +0000", CultureInfo.InvariantCulture) + "\",\"httpMethod\":\"GET\",\"resourcePath\":\""
        + JsonEncodedText.Encode(path) + "\",\"status\":\"502\",\"integrationErrorMessage\":\"Lambda Customer Function Error:boom\",\"errorResponseType\":\"INTEGRATION_FAILURE\"}";
}

public class ReportTimelineTests
{
    private static readonly DateTimeOffset T0 = new(2024, 6, 7, 10, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(0, 1)]
    [InlineData(89, 1)]
    [InlineData(90, 5)]
    [InlineData(400, 5)]
    [InlineData(3_600, 60)]
    [InlineData(5_400, 300)]
    [InlineData(86_400, 3_600)]
    [InlineData(30 * 86_400, 86_400)]
    public void Build_SpanOfFailures_BucketFromTheLadder(int spanSeconds, long expectedBucket)
    {
        var (_, timeline) = ReportInputs.DiagnoseText(ReportInputs.AccessEntry(T0, n: 1) + "\n" + ReportInputs.AccessEntry(T0.AddSeconds(spanSeconds), n: 2) + "\n");

        timeline.BucketSeconds.ShouldBe(expectedBucket);
        timeline.BucketCount.ShouldBeLessThanOrEqualTo(Timeline.MaxBuckets);
        timeline.Totals().Sum().ShouldBe(2);
        timeline.Totals()[0].ShouldBeGreaterThan(0);
        timeline.Totals()[^1].ShouldBeGreaterThan(0);
        (timeline.Start!.Value.ToUnixTimeSeconds() % expectedBucket).ShouldBe(0); // buckets start on the minute, the hour, ...
    }

    [Fact]
    public void Build_Samples_SeriesSumToFailedRequests()
    {
        var (result, timeline) = ReportInputs.Diagnose(ReportInputs.AllSamples);

        (timeline.Timed + timeline.Untimed).ShouldBe(result.Summary.Failed);
        timeline.Findings.Select(f => f.FindingId).ShouldBe(result.Findings.Select(f => f.Id));
        timeline.Findings.Select(f => f.Total).ShouldBe(result.Findings.Select(f => (long)f.Count));
        timeline.Causes.Select(c => c.Cause).ShouldBe(result.Findings.Where(f => f.FirstSeen is not null).Select(f => f.Cause).Distinct(), ignoreOrder: true);
        foreach (var c in timeline.Causes)
        {
            c.Total.ShouldBe(timeline.Findings.Where(f => f.Cause == c.Cause).Sum(f => f.Counts.Sum()));
        }
    }

    [Fact]
    public void Build_IncidentSamples_OneBarAMinute()
    {
        var (_, timeline) = ReportInputs.Diagnose(ReportInputs.IncidentSamples);

        timeline.BucketSeconds.ShouldBe(60);
        timeline.First.ShouldBe(T0);
        timeline.Untimed.ShouldBe(14); // execution-export.log prints no dates
    }

    [Fact]
    public void Build_NoTimeInTheLog_NoBucketsAndEveryFailureUntimed()
    {
        var (result, timeline) = ReportInputs.Diagnose([Path.Combine(Fixtures.SamplesRoot, "execution-export.log")]);

        timeline.BucketSeconds.ShouldBeNull();
        timeline.BucketCount.ShouldBe(0);
        timeline.Untimed.ShouldBe(result.Summary.Failed);
        timeline.Findings.Sum(f => f.Total).ShouldBe(result.Summary.Failed);
    }

    [Fact]
    public void Add_MoreDistinctSecondsThanCells_FoldsToCoarserBucketsWithoutLosingACount()
    {
        var (result, _) = ReportInputs.DiagnoseText(ReportInputs.AccessEntry(T0) + "\n");
        var key = result.Findings.Single().Key;
        var recorder = new TimelineRecorder();
        var seconds = TimelineRecorder.MaxCells + 50_000;
        for (var i = 0; i < seconds; i++)
        {
            recorder.Add(new FailedRequest
            {
                Cause = key.Cause, LogKind = LogKind.Access, ApiId = key.ApiId, Stage = key.Stage, HttpMethod = key.HttpMethod,
                ResourcePath = key.ResourcePath, RouteKey = key.RouteKey, FunctionArn = key.FunctionArn, Qualifier = key.Qualifier,
                Timestamp = T0.AddSeconds(i),
            });
        }

        var timeline = recorder.Build(result);

        timeline.BucketSeconds.ShouldBe(3_600);
        timeline.Timed.ShouldBe(seconds);
        timeline.Totals()[0].ShouldBe(3_600);
        timeline.Totals()[^1].ShouldBe(seconds % 3_600 == 0 ? 3_600 : seconds % 3_600);
    }

    [Theory]
    [InlineData(new[] { 0, 0, 0 }, "▁▁▁")]
    [InlineData(new[] { 0, 1, 7 }, "▁▂█")]
    [InlineData(new[] { 5 }, "█")]
    public void Sparkline_Counts_ZeroIsLowestAndAnyFailureTaller(int[] counts, string expected) =>
        Sparkline.Of(counts).ShouldBe(expected);

    [Fact]
    public void Sparkline_MoreBucketsThanWidth_SumsNeighbours()
    {
        var line = Sparkline.Of(Enumerable.Repeat(1, 90).ToArray(), width: 24);

        line.Length.ShouldBeLessThanOrEqualTo(24);
        line.Distinct().Count().ShouldBe(2); // full groups of four buckets, the last group of two shorter
    }

    [Fact]
    public void Json_Samples_TimelineAgreesWithSummary()
    {
        var (result, timeline) = ReportInputs.Diagnose(ReportInputs.AllSamples);

        using var doc = JsonDocument.Parse(JsonReport.ToJson(result, timeline));
        var t = doc.RootElement.GetProperty("timeline");
        var bucketed = t.GetProperty("causes").EnumerateArray().Sum(c => c.GetProperty("counts").EnumerateArray().Sum(n => n.GetInt32()));
        (bucketed + t.GetProperty("untimed").GetInt64()).ShouldBe(doc.RootElement.GetProperty("summary").GetProperty("failed").GetInt64());
        t.GetProperty("bucketSeconds").GetInt64().ShouldBe(timeline.BucketSeconds!.Value);
        t.GetProperty("buckets").GetInt32().ShouldBe(timeline.BucketCount);
        t.GetProperty("findings").GetArrayLength().ShouldBe(result.Findings.Count);
        foreach (var c in t.GetProperty("causes").EnumerateArray())
        {
            c.GetProperty("counts").GetArrayLength().ShouldBe(timeline.BucketCount);
        }
    }
}
