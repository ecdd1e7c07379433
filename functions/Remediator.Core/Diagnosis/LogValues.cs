namespace Remediator.Core.Diagnosis;

/// <summary>
/// One string for each value that failing requests repeat (an API id, a stage, a path, a function ARN, the same
/// evidence line), rather than a copy per request for the GC to collect. A slot holds the last value that hashed
/// to it; per thread, so diagnoses on several threads share nothing mutable.
/// </summary>
internal static class LogValues
{
    private const int Slots = 512; // a power of two
    private const int MaxLength = 512; // longer values (bodies) are rarely repeated: not worth a slot

    [ThreadStatic]
    private static string?[]? t_slots;

    /// <summary>A string equal to <paramref name="value"/>: the one made before when its slot still holds it.</summary>
    public static string Of(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty || value.Length > MaxLength)
        {
            return value.ToString();
        }
        var slots = t_slots ??= new string?[Slots];
        ref var slot = ref slots[string.GetHashCode(value) & (Slots - 1)];
        if (slot is { } known && value.SequenceEqual(known))
        {
            return known;
        }
        return slot = value.ToString();
    }
}
