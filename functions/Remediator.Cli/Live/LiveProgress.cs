namespace Remediator.Cli.Live;

/// <summary>
/// What is being read, on one line of standard error that rewrites itself: only on a terminal (a redirected
/// standard error gets nothing, so logs and pipes stay clean), and only once a read has taken more than a moment.
/// </summary>
internal sealed class LiveProgress(TextWriter stderr, bool enabled, TimeProvider clock)
{
    private static readonly TimeSpan Moment = TimeSpan.FromMilliseconds(300), Every = TimeSpan.FromMilliseconds(100);
    private readonly DateTimeOffset _start = clock.GetUtcNow();
    private DateTimeOffset _last = DateTimeOffset.MinValue;
    private bool _shown;

    public string Group { get; set; } = "";
    public long Events { get; set; }
    public long Requests { get; set; }
    public long Failures { get; set; }

    public void Update(bool force = false)
    {
        var now = clock.GetUtcNow();
        if (!enabled || (!force && (now - _start < Moment || now - _last < Every)))
        {
            return;
        }
        _last = now;
        _shown = true;
        // \r and "erase to end of line": the line is rewritten in place.
        stderr.Write($"\r\u001b[Kreading {Group}: {Events:N0} events scanned, {Requests:N0} requests, {Failures:N0} failing");
        stderr.Flush();
    }

    /// <summary>Erases the line before anything else is written.</summary>
    public void Clear()
    {
        if (_shown)
        {
            stderr.Write("\r\u001b[K");
            stderr.Flush();
            _shown = false;
        }
    }
}
