using Remediator.Core.Diagnosis;
using Remediator.Core.Ingest;

namespace Remediator.Core.Scan;

/// <summary>
/// Feeds <c>(request-id) text</c> lines to a <see cref="DiagnosisBuilder"/>, holding back the lines of each request
/// until one of them is decisive: most requests succeed, and their lines then cost a copy, not a string, a
/// normalisation and a phrase scan each. The builder sees the same sequence as from the line readers, so the
/// diagnosis is the same; see <see cref="DiagnosisBuilder.Defer"/>.
/// </summary>
internal sealed class DeferringFeed(DiagnosisBuilder builder, LogContext context, long maxDeferredChars = DeferringFeed.MaxDeferredChars)
{
    /// <summary>Held-back chars across open requests (2 bytes each) before all of them are read in full.</summary>
    public const long MaxDeferredChars = 8 * 1024 * 1024;

    private readonly DeferralBudget _budget = new(maxDeferredChars);
    private readonly char[] _lastId = new char[64];
    private int _lastIdLength = -1;
    private DiagnosisBuilder.OpenRequest? _last;
    // The builder reuses a request's object once its id is forgotten: _last is the request seen only while its generation is this.
    private int _lastGeneration;

    public long Records { get; private set; }

    /// <param name="line">The line as written, starting with <c>(id)</c>; the caller checked that it is a plain one.</param>
    /// <param name="id">The request id inside the parentheses.</param>
    /// <param name="timestampMs">The event's time, when the container gives one.</param>
    public void Line(ReadOnlySpan<char> line, ReadOnlySpan<char> id, long? timestampMs, LineKind kind) =>
        Line(line, id, timestampMs, kind, sameRequest: false);

    /// <param name="sameRequest">
    /// True when the caller knows <paramref name="id"/> to be the id of the line before (it compared them already);
    /// false when it does not know.
    /// </param>
    public void Line(ReadOnlySpan<char> line, ReadOnlySpan<char> id, long? timestampMs, LineKind kind, bool sameRequest)
    {
        Records++;
        // Consecutive lines of one request are the common case: one comparison instead of a lookup.
        var lookedUp = false;
        var hash = 0;
        if (_last is null || _last.Generation != _lastGeneration || _last.Closed || !sameRequest && !id.SequenceEqual(_lastId.AsSpan(0, Math.Max(0, _lastIdLength))))
        {
            _last = builder.FindRequest(id, out hash); // open, recently closed, or null: new
            _lastGeneration = _last?.Generation ?? 0;
            lookedUp = true;
            id.CopyTo(_lastId);
            _lastIdLength = id.Length;
        }
        var open = _last is { Closed: false } ? _last : null;
        if (open is { Promoted: true } || kind == LineKind.Decisive || kind == LineKind.Status && open is { HasStatus: true })
        {
            // Read in full; Add reads any held-back lines of the request first.
            var generation = _lastGeneration;
            // A line of a request known open, without a time: read as Add reads it, without its record's two strings.
            if (open is null || timestampMs is not null || !builder.ReadLine(open, LineNormalizer.PlainText(line, id.Length + 1)))
            {
                builder.Add(DeferredLines.ToRecord(line, timestampMs, context, open?.Key));
            }
            if (open is not null && open.Generation != generation)
            {
                open = null; // closed and forgotten within Add (an eviction), its object taken by another id: not this request
                _last = null;
            }
            else if (open is null)
            {
                open = _last = builder.FindOpen(id);
                _lastGeneration = open?.Generation ?? 0;
            }
            if (open is not null)
            {
                open.Promoted = true;
                open.HasStatus |= kind == LineKind.Status;
            }
            return;
        }
        open = _last = builder.Defer(_last, id, context, completes: kind != LineKind.Deferrable, lookedUp, hash);
        _lastGeneration = open?.Generation ?? 0;
        if (open is not null)
        {
            (open.Deferred ??= _budget.Take(context)).Add(line, timestampMs);
            open.HasStatus |= kind == LineKind.Status;
        }
        builder.Settle();
        if (_budget.Exceeded)
        {
            builder.PromoteAll();
        }
    }
}
