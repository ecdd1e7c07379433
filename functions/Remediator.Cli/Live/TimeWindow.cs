using System.Globalization;
using System.Text.RegularExpressions;

namespace Remediator.Cli.Live;

/// <summary>
/// <c>--since</c> and <c>--until</c> as <c>aws logs tail</c> takes them: a duration back from now (<c>90s</c>,
/// <c>30m</c>, <c>1h</c>, <c>2d</c>, <c>1w</c>, or combined: <c>1h30m</c>) or a time (ISO 8601; without an offset it is UTC).
/// </summary>
internal static partial class TimeWindow
{
    [GeneratedRegex(@"^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")]
    private static partial Regex Duration();

    public static DateTimeOffset Parse(string text, DateTimeOffset now, string option)
    {
        var m = Duration().Match(text.Trim());
        if (m.Success && text.Trim().Length > 0)
        {
            long Part(int i, long seconds) => m.Groups[i].Success ? long.Parse(m.Groups[i].Value, CultureInfo.InvariantCulture) * seconds : 0;
            var total = Part(1, 604_800) + Part(2, 86_400) + Part(3, 3_600) + Part(4, 60) + Part(5, 1);
            if (total is > 0 and <= 400L * 86_400) // CloudWatch Logs keeps at most years; a typo of a huge number is refused
            {
                return now - TimeSpan.FromSeconds(total);
            }
        }
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return time;
        }
        throw new FormatException($"{option} '{text}' is neither a duration (30m, 1h, 2d, 1h30m) nor a time (2026-12-01T03:00:00Z)");
    }

    /// <summary>A window for people: both ends in UTC to the second, and its length.</summary>
    public static string Describe(DateTimeOffset start, DateTimeOffset end)
    {
        var length = end - start;
        var span = length.TotalHours >= 1 ? $"{(int)length.TotalHours}h {length.Minutes:D2}m" : length.TotalMinutes >= 1 ? $"{(int)length.TotalMinutes}m {length.Seconds:D2}s" : $"{(int)length.TotalSeconds}s";
        return $"{Utc(start)} to {Utc(end)} ({span})";
    }

    public static string Utc(DateTimeOffset t) => t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
