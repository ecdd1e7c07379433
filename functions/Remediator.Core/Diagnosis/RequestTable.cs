using Remediator.Core.Ingest;
using OpenRequest = Remediator.Core.Diagnosis.DiagnosisBuilder.OpenRequest;

namespace Remediator.Core.Diagnosis;

/// <summary>
/// The open and recently closed requests of a <see cref="DiagnosisBuilder"/> by id: an open-addressing table over the
/// ids' chars. An open request has a pooled object; a closed one is only its id, kept in chunks of chars until it leaves
/// the remembered window. A request costs no heap allocation in steady state (no id string, no object), and the tens
/// of thousands of remembered ids are a few arrays rather than an object and a char array each, which the GC had to
/// clear fresh pages for and copy at every collection while the window filled.
/// </summary>
/// <remarks>
/// The table is linear probing with backward-shift deletion over (hash, entry) pairs, so a probe reads one cache line and
/// touches an id only when the hashes agree. The hash is <see cref="string.GetHashCode(ReadOnlySpan{char})"/>:
/// seeded per process, so ids crafted to collide cannot make a lookup slow; nothing iterates the table in its order.
/// </remarks>
internal sealed class RequestTable
{
    private struct Slot
    {
        public int Hash;
        public int Entry; // entry + 1; 0: empty
    }

    // An entry's id: its length, then its chars, in a chunk that never moves (a grown table copies no ids). Longer ids
    // (not API Gateway's) are kept as strings.
    private const int Stride = 40, ChunkBits = 8, ChunkEntries = 1 << ChunkBits;
    private const char Long = '\uffff';

    private sealed class Chunk
    {
        public readonly char[] Ids = new char[ChunkEntries * Stride];
        public readonly OpenRequest?[] Open = new OpenRequest?[ChunkEntries]; // null: closed and remembered, or free
    }

    /// <summary>What <see cref="Find(ReadOnlySpan{char}, int)"/> returns for a closed request still remembered.</summary>
    public static readonly OpenRequest Remembered = new(-1) { Closed = true };

    private Slot[] _slots = new Slot[64];
    private Chunk[] _chunks = new Chunk[4];
    private int _made;
    private int[] _free = new int[64];
    private int _freeCount;
    private Dictionary<int, string>? _longIds;
    private readonly Stack<OpenRequest> _pool = new();

    /// <summary>A request a caller still holds across a call that may close it: <see cref="Close"/> does not reuse it.</summary>
    public OpenRequest? Pinned { get; set; }

    /// <summary>Requests in the table (open and remembered).</summary>
    public int Count { get; private set; }

    public static int HashOf(ReadOnlySpan<char> id) => string.GetHashCode(id);

    public OpenRequest? Find(ReadOnlySpan<char> id) => Find(id, HashOf(id));

    /// <summary>The open request of <paramref name="id"/>, <see cref="Remembered"/> when it closed recently, or null.</summary>
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
            if (slot.Hash == hash && IdAt(slot.Entry - 1).SequenceEqual(id))
            {
                var entry = slot.Entry - 1;
                return _chunks[entry >> ChunkBits].Open[entry & (ChunkEntries - 1)] ?? Remembered;
            }
            i = (i + 1) & mask;
        }
    }

    /// <summary>
    /// A request for <paramref name="id"/>, which the caller knows absent: a pooled object when any is free.
    /// <paramref name="key"/>: the id's string when the caller has one already.
    /// </summary>
    public OpenRequest Add(ReadOnlySpan<char> id, string? key, int hash, LogContext context, int slot)
    {
        if ((Count + 1) * 4 > _slots.Length * 3)
        {
            Grow();
        }
        int entry;
        if (_freeCount > 0)
        {
            entry = _free[--_freeCount];
        }
        else
        {
            entry = _made++;
            if ((entry >> ChunkBits) == _chunks.Length)
            {
                Array.Resize(ref _chunks, _chunks.Length * 2);
            }
            _chunks[entry >> ChunkBits] ??= new Chunk();
        }
        var chunk = _chunks[entry >> ChunkBits];
        var at = (entry & (ChunkEntries - 1)) * Stride;
        if (id.Length < Stride)
        {
            chunk.Ids[at] = (char)id.Length;
            id.CopyTo(chunk.Ids.AsSpan(at + 1));
        }
        else
        {
            chunk.Ids[at] = Long;
            (_longIds ??= [])[entry] = key ?? id.ToString();
        }
        var request = _pool.TryPop(out var pooled) ? pooled : new OpenRequest(entry);
        request.Reuse(id, key, hash, context, slot, entry);
        chunk.Open[entry & (ChunkEntries - 1)] = request;
        Insert(hash, entry + 1);
        Count++;
        return request;
    }

    /// <summary>
    /// <paramref name="request"/> closed: from now on its id is remembered without it, and its object serves the next
    /// new id, unless the completion queue still refers to it (or it is <see cref="Pinned"/>): then it is left to the GC
    /// as it is.
    /// </summary>
    public void Close(OpenRequest request)
    {
        _chunks[request.Entry >> ChunkBits].Open[request.Entry & (ChunkEntries - 1)] = null;
        if (!request.InCompletedQueue && !ReferenceEquals(request, Pinned))
        {
            _pool.Push(request);
        }
    }

    /// <summary>Forgets the closed request at <paramref name="entry"/> (it left the remembered window); <paramref name="hash"/>: its id's.</summary>
    public void Remove(int entry, int hash)
    {
        var slots = _slots;
        var mask = slots.Length - 1;
        var i = hash & mask;
        while (slots[i].Entry != entry + 1)
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
        _longIds?.Remove(entry);
        if (_freeCount == _free.Length)
        {
            Array.Resize(ref _free, _freeCount * 2);
        }
        _free[_freeCount++] = entry;
    }

    /// <summary>The open requests, in no particular order.</summary>
    public IEnumerable<OpenRequest> All()
    {
        for (var entry = 0; entry < _made; entry++)
        {
            if (_chunks[entry >> ChunkBits].Open[entry & (ChunkEntries - 1)] is { } open)
            {
                yield return open;
            }
        }
    }

    private ReadOnlySpan<char> IdAt(int entry)
    {
        var ids = _chunks[entry >> ChunkBits].Ids;
        var at = (entry & (ChunkEntries - 1)) * Stride;
        return ids[at] == Long ? _longIds![entry] : ids.AsSpan(at + 1, ids[at]);
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
