using Remediator.Core.Ingest;
using OpenRequest = Remediator.Core.Diagnosis.DiagnosisBuilder.OpenRequest;

namespace Remediator.Core.Diagnosis;

/// <summary>
/// The open and recently closed requests of a <see cref="DiagnosisBuilder"/> by id: an open-addressing table over the
/// ids' chars whose requests are pooled. A request that leaves the remembered window goes back to the pool with its
/// char buffer, and the next new id takes it over: in steady state a request costs no heap allocation (no id string,
/// no object), and the live requests are the same few objects, which a GC does not copy again and again.
/// </summary>
/// <remarks>
/// The table is linear probing with backward-shift deletion over (hash, entry) pairs, so a probe reads one cache line and
/// touches a request only when the hashes agree. The hash is <see cref="string.GetHashCode(ReadOnlySpan{char})"/>:
/// seeded per process, so ids crafted to collide cannot make a lookup slow; nothing iterates the table in its order.
/// </remarks>
internal sealed class RequestTable
{
    private struct Slot
    {
        public int Hash;
        public int Entry; // index in _entries + 1; 0: empty
    }

    private Slot[] _slots = new Slot[64];
    private OpenRequest?[] _entries = new OpenRequest?[64];
    private int _made;
    private int[] _free = new int[64];
    private int _freeCount;

    /// <summary>A request a caller still holds across a call that may forget it: <see cref="Remove"/> does not reuse it.</summary>
    public OpenRequest? Pinned { get; set; }

    /// <summary>Requests in the table (open and remembered).</summary>
    public int Count { get; private set; }

    public static int HashOf(ReadOnlySpan<char> id) => string.GetHashCode(id);

    public OpenRequest? Find(ReadOnlySpan<char> id) => Find(id, HashOf(id));

    public OpenRequest? Find(ReadOnlySpan<char> id, int hash)
    {
        var slots = _slots;
        var mask = slots.Length - 1;
        var i = hash & mask;
        while (true)
        {
            var slot = slots[i];
            if (slot.Entry == 0)
            {
                return null;
            }
            if (slot.Hash == hash && _entries[slot.Entry - 1] is { } request && request.Id.SequenceEqual(id))
            {
                return request;
            }
            i = (i + 1) & mask;
        }
    }

    /// <summary>
    /// A request for <paramref name="id"/>, which the caller knows absent: a pooled one when any is free.
    /// <paramref name="key"/>: the id's string when the caller has one already.
    /// </summary>
    public OpenRequest Add(ReadOnlySpan<char> id, string? key, int hash, LogContext context, int slot)
    {
        if ((Count + 1) * 4 > _slots.Length * 3)
        {
            Grow();
        }
        int index;
        if (_freeCount > 0)
        {
            index = _free[--_freeCount];
        }
        else
        {
            if (_made == _entries.Length)
            {
                Array.Resize(ref _entries, _made * 2);
            }
            index = _made++;
        }
        var request = _entries[index] ??= new OpenRequest(index);
        request.Reuse(id, key, hash, context, slot);
        Insert(hash, index + 1);
        Count++;
        return request;
    }

    /// <summary>
    /// Forgets <paramref name="request"/> (it left the remembered window). Its object is taken again by a later
    /// <see cref="Add"/>, unless the completion queue still refers to it (or it is <see cref="Pinned"/>): then it is
    /// left to the GC with its id intact.
    /// </summary>
    public void Remove(OpenRequest request)
    {
        var slots = _slots;
        var mask = slots.Length - 1;
        var i = request.Hash & mask;
        var entry = request.Index + 1;
        while (slots[i].Entry != entry)
        {
            i = (i + 1) & mask;
        }
        // Backward shift: move up each following entry whose home is not between the hole and itself.
        var j = i;
        while (true)
        {
            j = (j + 1) & mask;
            if (slots[j].Entry == 0)
            {
                break;
            }
            var home = slots[j].Hash & mask;
            if (i <= j ? home <= i || home > j : home <= i && home > j)
            {
                slots[i] = slots[j];
                i = j;
            }
        }
        slots[i] = default;
        Count--;
        if (request.InCompletedQueue || ReferenceEquals(request, Pinned))
        {
            _entries[request.Index] = null; // still referred to: a fresh object takes its place
        }
        if (_freeCount == _free.Length)
        {
            Array.Resize(ref _free, _freeCount * 2);
        }
        _free[_freeCount++] = request.Index;
    }

    /// <summary>The requests in the table (open and remembered), in no particular order.</summary>
    public IEnumerable<OpenRequest> All()
    {
        foreach (var slot in _slots)
        {
            if (slot.Entry != 0)
            {
                yield return _entries[slot.Entry - 1]!;
            }
        }
    }

    private void Insert(int hash, int entry)
    {
        var slots = _slots;
        var mask = slots.Length - 1;
        var i = hash & mask;
        while (slots[i].Entry != 0)
        {
            i = (i + 1) & mask;
        }
        slots[i] = new Slot { Hash = hash, Entry = entry };
    }

    private void Grow()
    {
        var old = _slots;
        _slots = new Slot[old.Length * 2];
        foreach (var slot in old)
        {
            if (slot.Entry != 0)
            {
                Insert(slot.Hash, slot.Entry);
            }
        }
    }
}
