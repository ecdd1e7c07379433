namespace Remediator.Core.Notify;

/// <summary>What the gate says about one finding.</summary>
/// <param name="Send">True: publish now. False: counted, held back until the cooldown ends.</param>
/// <param name="Context">For a message that is sent: what was held back since the last alert.</param>
public readonly record struct AlertDecision(bool Send, long SuppressedSinceLastAlert, DateTimeOffset? LastAlertAt);

/// <summary>
/// Noise control for one warm execution environment: a finding is alerted at most once per cooldown window;
/// repeats inside the window are counted and the next alert says "N more since the last alert". A storm of a
/// million identical failures makes a handful of messages. The caller passes the time (the core reads no clock).
/// </summary>
public sealed class AlertGate(TimeSpan cooldown, int maxFindings = 10_000)
{
    private readonly Dictionary<string, (DateTimeOffset? LastSent, long Suppressed, DateTimeOffset Touched)> _state = new(StringComparer.Ordinal);

    public AlertDecision Consider(string findingId, long count, DateTimeOffset now)
    {
        _state.TryGetValue(findingId, out var s);
        if (s.LastSent is { } last && now - last < cooldown)
        {
            _state[findingId] = s with { Suppressed = s.Suppressed + count, Touched = now };
            return new AlertDecision(false, s.Suppressed + count, last);
        }
        return new AlertDecision(true, s.Suppressed, s.LastSent);
    }

    /// <summary>Records a successful publish: the window starts now and the held-back count is reset.</summary>
    public void Sent(string findingId, DateTimeOffset now)
    {
        if (_state.Count >= maxFindings && !_state.ContainsKey(findingId))
        {
            // Bounded memory: forget the findings untouched for longest (they would be alerted again, never lost).
            foreach (var stale in _state.OrderBy(kv => kv.Value.Touched).Take(Math.Max(1, maxFindings / 10)).Select(kv => kv.Key).ToList())
            {
                _state.Remove(stale);
            }
        }
        _state[findingId] = (now, 0, now);
    }
}
