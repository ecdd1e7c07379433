namespace Remediator.Core.Notify;

/// <summary>What the gate says about one finding.</summary>
/// <param name="Send">True: publish now. False: counted, held back until the cooldown ends.</param>
/// <param name="SuppressedSinceLastAlert">Failed requests held back since the last alert (by the cooldown or the threshold).</param>
/// <param name="LastAlertAt">When the finding was last alerted, if it was.</param>
/// <param name="BelowThreshold">Not sent because fewer failed requests than the threshold were seen since the last alert.</param>
public readonly record struct AlertDecision(bool Send, long SuppressedSinceLastAlert, DateTimeOffset? LastAlertAt, bool BelowThreshold = false);

/// <summary>
/// Noise control for one warm execution environment: a finding is alerted at most once per cooldown window;
/// repeats inside the window are counted and the next alert says "N more since the last alert". A storm of a
/// million identical failures makes a handful of messages. A finding that is not critical may also wait for a
/// threshold of failed requests. The caller passes the time (the core reads no clock).
/// </summary>
public sealed class AlertGate(TimeSpan cooldown, int maxFindings = 10_000)
{
    private readonly Dictionary<string, (DateTimeOffset? LastSent, long Suppressed, DateTimeOffset Touched)> _state = new(StringComparer.Ordinal);

    /// <param name="minRequests">Below this many failed requests since the last alert (this delivery's and those held
    /// back), the finding is held back and its requests carry over; 1 sends every finding.</param>
    public AlertDecision Consider(string findingId, long count, DateTimeOffset now, int minRequests = 1)
    {
        _state.TryGetValue(findingId, out var s);
        if (s.LastSent is { } last && now - last < cooldown)
        {
            Put(findingId, s with { Suppressed = s.Suppressed + count, Touched = now });
            return new AlertDecision(false, s.Suppressed + count, last);
        }
        if (s.Suppressed + count < minRequests)
        {
            Put(findingId, s with { Suppressed = s.Suppressed + count, Touched = now });
            return new AlertDecision(false, s.Suppressed + count, s.LastSent, BelowThreshold: true);
        }
        return new AlertDecision(true, s.Suppressed, s.LastSent);
    }

    /// <summary>Records a successful publish: the window starts now and the held-back count is reset.</summary>
    public void Sent(string findingId, DateTimeOffset now) => Put(findingId, (now, 0, now));

    private void Put(string findingId, (DateTimeOffset? LastSent, long Suppressed, DateTimeOffset Touched) state)
    {
        if (_state.Count >= maxFindings && !_state.ContainsKey(findingId))
        {
            // Bounded memory: forget the findings untouched for longest (they would be alerted again, never lost).
            foreach (var stale in _state.OrderBy(kv => kv.Value.Touched).Take(Math.Max(1, maxFindings / 10)).Select(kv => kv.Key).ToList())
            {
                _state.Remove(stale);
            }
        }
        _state[findingId] = state;
    }
}
