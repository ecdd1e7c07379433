using Remediator.Core.Diagnosis;

namespace Remediator.Core.Report;

/// <summary>
/// Failed requests per time bucket, by cause and by finding: the one model the page's chart, the terminal's sparklines
/// and the JSON's <c>timeline</c> are drawn from, so that their numbers agree. Buckets start at multiples of
/// <see cref="BucketSeconds"/> since the Unix epoch (UTC), so a bucket of one minute starts on the minute.
/// </summary>
/// <param name="BucketSeconds">The bucket size; null when no failed request has a time.</param>
/// <param name="Start">The first bucket's start; null when no failed request has a time.</param>
/// <param name="First">The first failure's time, exactly.</param>
/// <param name="Last">The last failure's time, exactly.</param>
/// <param name="Causes">One series per cause present, most failures first (ties by name).</param>
/// <param name="Findings">One series per finding, in the order of <see cref="DiagnosisResult.Findings"/>.</param>
/// <param name="Untimed">Failed requests whose log shows no time: counted in the findings, not in any bucket.</param>
public sealed record Timeline(long? BucketSeconds, DateTimeOffset? Start, int BucketCount, DateTimeOffset? First, DateTimeOffset? Last,
    IReadOnlyList<CauseSeries> Causes, IReadOnlyList<FindingSeries> Findings, long Untimed)
{
    /// <summary>Bucket sizes a person reads at a glance. Each divides the next, so counts kept at a finer size fold exactly into a coarser one.</summary>
    public static IReadOnlyList<long> BucketSizes { get; } = [1, 5, 10, 30, 60, 300, 900, 3_600, 21_600, 86_400, 604_800];

    /// <summary>At most this many buckets: an hour-long incident still gets one bar a minute, and a bar stays wide enough to see on a phone.</summary>
    public const int MaxBuckets = 90;

    public long Timed => Causes.Sum(c => c.Total);

    public DateTimeOffset BucketStart(int index) => Start!.Value.AddSeconds(BucketSeconds!.Value * index);

    /// <summary>Total failed requests per bucket, all causes.</summary>
    public IReadOnlyList<int> Totals() =>
        Enumerable.Range(0, BucketCount).Select(i => Causes.Sum(c => c.Counts[i])).ToList();

    /// <summary>"30 s", "5 min", "1 h", "1 d".</summary>
    public static string Describe(long seconds) => seconds switch
    {
        >= 86_400 when seconds % 86_400 == 0 => $"{seconds / 86_400} d",
        >= 3_600 when seconds % 3_600 == 0 => $"{seconds / 3_600} h",
        >= 60 when seconds % 60 == 0 => $"{seconds / 60} min",
        _ => $"{seconds} s",
    };
}

public sealed record CauseSeries(Cause Cause, IReadOnlyList<int> Counts)
{
    public long Total => Counts.Sum(c => (long)c);
}

/// <param name="Untimed">Requests of this finding whose log shows no time.</param>
public sealed record FindingSeries(string FindingId, Cause Cause, IReadOnlyList<int> Counts, long Untimed)
{
    public long Total => Counts.Sum(c => (long)c) + Untimed;
}

/// <summary>
/// Counts failed requests by time while the diagnosis runs (attach <see cref="Add"/> to
/// <see cref="DiagnosisBuilder.FailureObserved"/>). Memory is bounded as the diagnosis's is: counts are kept per
/// finding key and bucket, and when they grow past <see cref="MaxCells"/> they fold into the next bucket size.
/// </summary>
public sealed class TimelineRecorder
{
    public const int MaxCells = 100_000;

    private readonly Dictionary<FindingKey, int> _keyIndex = [];
    private readonly List<FindingKey> _keys = [];
    private readonly List<long> _untimed = [];
    private Dictionary<(int Key, long Bucket), int> _cells = [];
    private int _level;
    private DateTimeOffset? _first, _last;

    public void Add(FailedRequest request)
    {
        var key = FindingKey.Of(request);
        if (!_keyIndex.TryGetValue(key, out var k))
        {
            _keyIndex[key] = k = _keys.Count;
            _keys.Add(key);
            _untimed.Add(0);
        }
        if (request.Timestamp is not { } t)
        {
            _untimed[k]++;
            return;
        }
        _first = _first is null || t < _first ? t : _first;
        _last = _last is null || t > _last ? t : _last;
        var cell = (k, BucketOf(t, Timeline.BucketSizes[_level]));
        _cells[cell] = _cells.GetValueOrDefault(cell) + 1;
        if (_cells.Count > MaxCells && _level < Timeline.BucketSizes.Count - 1)
        {
            _level++;
            _cells = Fold(_cells, Timeline.BucketSizes[_level] / Timeline.BucketSizes[_level - 1]);
        }
    }

    /// <summary>The timeline of the findings of <paramref name="result"/>, the diagnosis this recorder watched.</summary>
    public Timeline Build(DiagnosisResult result)
    {
        var findings = result.Findings;
        var owner = _keys.Select(k => OwnerOf(k, findings)).ToList();
        if (_first is not { } first || _last is not { } last)
        {
            var untimedOnly = findings.Select((f, i) => new FindingSeries(f.Id, f.Cause, [], UntimedOf(i, owner))).ToList();
            return new Timeline(null, null, 0, null, null, [], untimedOnly, _untimed.Sum());
        }
        var level = _level;
        while (level < Timeline.BucketSizes.Count - 1 && Span(first, last, Timeline.BucketSizes[level]) > Timeline.MaxBuckets)
        {
            level++;
        }
        var size = Timeline.BucketSizes[level];
        var factor = size / Timeline.BucketSizes[_level];
        var startBucket = BucketOf(first, size);
        var count = (int)Span(first, last, size);
        var perFinding = findings.Select(_ => new int[count]).ToList();
        foreach (var ((k, bucket), n) in _cells)
        {
            if (owner[k] is { } f)
            {
                perFinding[f][(int)(FloorDiv(bucket, factor) - startBucket)] += n;
            }
        }
        var series = findings.Select((f, i) => new FindingSeries(f.Id, f.Cause, perFinding[i], UntimedOf(i, owner))).ToList();
        var causes = series.GroupBy(s => s.Cause)
            .Select(g => new CauseSeries(g.Key, Enumerable.Range(0, count).Select(b => g.Sum(s => s.Counts[b])).ToList()))
            .OrderByDescending(c => c.Total).ThenBy(c => c.Cause.ToName(), StringComparer.Ordinal)
            .ToList();
        return new Timeline(size, DateTimeOffset.FromUnixTimeSeconds(startBucket * size), count, first, last, causes, series, _untimed.Sum());
    }

    private long UntimedOf(int finding, List<int?> owner) =>
        Enumerable.Range(0, _keys.Count).Where(k => owner[k] == finding).Sum(k => _untimed[k]);

    /// <summary>
    /// The finding a request's key ended in: its own, or, when the diagnosis attributed requests that did not show
    /// their API and stage to the one API of the input, that finding (the same key with the API and stage filled in).
    /// </summary>
    private static int? OwnerOf(FindingKey key, IReadOnlyList<Finding> findings)
    {
        for (var i = 0; i < findings.Count; i++)
        {
            if (findings[i].Key == key)
            {
                return i;
            }
        }
        for (var i = 0; i < findings.Count; i++)
        {
            var k = findings[i].Key;
            if ((key.ApiId is null || key.ApiId == k.ApiId) && (key.Stage is null || key.Stage == k.Stage)
                && key with { ApiId = k.ApiId, Stage = k.Stage } == k)
            {
                return i;
            }
        }
        return null;
    }

    private static Dictionary<(int Key, long Bucket), int> Fold(Dictionary<(int Key, long Bucket), int> cells, long factor)
    {
        var folded = new Dictionary<(int Key, long Bucket), int>();
        foreach (var ((k, bucket), n) in cells)
        {
            var cell = (k, FloorDiv(bucket, factor));
            folded[cell] = folded.GetValueOrDefault(cell) + n;
        }
        return folded;
    }

    private static long Span(DateTimeOffset first, DateTimeOffset last, long size) => BucketOf(last, size) - BucketOf(first, size) + 1;

    private static long BucketOf(DateTimeOffset t, long seconds) => FloorDiv(t.ToUnixTimeMilliseconds(), seconds * 1000);

    private static long FloorDiv(long a, long b) => a >= 0 ? a / b : -((-a + b - 1) / b);
}

/// <summary>A row of block characters, one per group of buckets, scaled to the row's own peak.</summary>
public static class Sparkline
{
    private const string Levels = "▂▃▄▅▆▇█";

    /// <summary>A finding's sparkline; "(no time)" when its log shows no time, rather than a flat line that would read as none.</summary>
    public static string Of(FindingSeries series, int width = 24) => series.Counts.Any(n => n > 0) ? Of(series.Counts, width) : "(no time)";

    /// <summary>At most <paramref name="width"/> characters; an empty bucket is '▁' so that any failure shows taller than none.</summary>
    public static string Of(IReadOnlyList<int> counts, int width = 24)
    {
        if (counts.Count == 0)
        {
            return "";
        }
        var per = (counts.Count + width - 1) / width;
        var groups = Enumerable.Range(0, (counts.Count + per - 1) / per)
            .Select(g => counts.Skip(g * per).Take(per).Sum()).ToList();
        var max = groups.Max();
        return string.Concat(groups.Select(n => n == 0 ? '▁' : Levels[(int)Math.Ceiling((double)n * Levels.Length / max) - 1]));
    }
}
