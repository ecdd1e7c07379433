using Remediator.Core.Advice;

namespace Remediator.Core.Diagnosis;

/// <summary>Folds failed requests into findings; its memory grows with distinct findings, not with requests.</summary>
public sealed class FindingAggregator
{
    private readonly Dictionary<FindingKey, Accumulator> _byKey = [];
    private readonly List<string> _warnings = [];

    public long Failed { get; private set; }
    public long Unclassified { get; private set; }

    /// <summary>Sees every failed request as it is folded in (the report's timeline counts them by time).</summary>
    public Action<FailedRequest>? Observer { get; set; }

    public void Add(FailedRequest request)
    {
        Failed++;
        Observer?.Invoke(request);
        if (request.Cause == Cause.Unknown)
        {
            Unclassified++;
        }
        var key = FindingKey.Of(request);
        if (!_byKey.TryGetValue(key, out var acc))
        {
            _byKey[key] = acc = new Accumulator(request);
        }
        acc.Add(request);
    }

    /// <summary>Requests whose API the input leaves open (several APIs, and their lines do not say which), after <see cref="Findings"/>.</summary>
    public IReadOnlyList<string> Warnings => _warnings;

    /// <summary>The findings, most frequent first (ties: earliest first, then by id so that output is stable).</summary>
    public IReadOnlyList<Finding> Findings()
    {
        Attribute();
        return _byKey.Select(kv => kv.Value.ToFinding(kv.Key))
            .OrderByDescending(f => f.Count)
            .ThenBy(f => f.FirstSeen ?? DateTimeOffset.MaxValue)
            .ThenBy(f => f.Id, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// One problem, one finding: only some requests carry the line that names the API and stage (the usage-plan
    /// line, a Source ARN, the Host header), often only the first of a paste. A finding that lacks them joins the one
    /// that has them for the same cause, route and function when the input shows exactly one API and stage it can
    /// be; with several, it stays apart and says so.
    /// </summary>
    private void Attribute()
    {
        var apis = _byKey.Keys.Where(k => k.ApiId is not null && k.Stage is not null).Select(k => (k.ApiId, k.Stage)).Distinct().ToList();
        if (apis.Count == 0)
        {
            return;
        }
        foreach (var key in _byKey.Keys.Where(k => k.ApiId is null || k.Stage is null).ToList())
        {
            var candidates = apis.Where(a => (key.ApiId is null || key.ApiId == a.ApiId) && (key.Stage is null || key.Stage == a.Stage)).ToList();
            var acc = _byKey[key];
            if (candidates.Count == 1)
            {
                var target = key with { ApiId = candidates[0].ApiId, Stage = candidates[0].Stage };
                _byKey.Remove(key);
                if (_byKey.TryGetValue(target, out var existing))
                {
                    existing.Merge(acc);
                }
                else
                {
                    _byKey[target] = acc;
                }
            }
            else if (candidates.Count > 1)
            {
                var names = string.Join(", ", candidates.Select(a => $"{a.ApiId}/{a.Stage}"));
                acc.AddNote($"unattributed: the log of these {acc.Count} requests does not name their API and stage, and the input holds several ({names})");
                _warnings.Add($"{acc.Count} {key.Cause.ToName()} requests do not show which API and stage they belong to ({names} are in the input): reported apart, unattributed");
            }
        }
    }

    private sealed class Accumulator(FailedRequest first)
    {
        private readonly List<string> _ids = [];
        private readonly Dictionary<int, int> _statuses = [];
        private int _count;
        private DateTimeOffset? _first, _last;
        private long? _latency;
        private string? _errorType = first.ErrorType, _errorMessage = first.ErrorMessage, _evidence = first.Evidence,
            _note = first.Note, _problem = first.ResponseProblem, _account = first.AccountId, _region = first.Region, _group = first.LogGroup;

        public int Count => _count;

        public void AddNote(string note) => _note = _note is null ? note : $"{_note}; {note}";

        /// <summary>Takes in another accumulator's requests (the same problem, once its API is known).</summary>
        public void Merge(Accumulator o)
        {
            _count += o._count;
            foreach (var id in o._ids)
            {
                if (_ids.Count < Finding.MaxSampleRequestIds && !_ids.Contains(id))
                {
                    _ids.Add(id);
                }
            }
            foreach (var (status, n) in o._statuses)
            {
                _statuses[status] = _statuses.GetValueOrDefault(status) + n;
            }
            _first = o._first is { } f && (_first is null || f < _first) ? f : _first;
            _last = o._last is { } l && (_last is null || l > _last) ? l : _last;
            _latency = o._latency is { } lat && (_latency is null || lat > _latency) ? lat : _latency;
            _errorType ??= o._errorType;
            _errorMessage ??= o._errorMessage;
            _evidence ??= o._evidence;
            _note ??= o._note;
            _problem ??= o._problem;
            _account ??= o._account;
            _region ??= o._region;
            _group ??= o._group;
        }

        public void Add(FailedRequest r)
        {
            _count++;
            if (r.RequestId is { } id && _ids.Count < Finding.MaxSampleRequestIds && !_ids.Contains(id))
            {
                _ids.Add(id);
            }
            if (r.Status is { } s)
            {
                _statuses[s] = _statuses.GetValueOrDefault(s) + 1;
            }
            if (r.Timestamp is { } t)
            {
                _first = _first is null || t < _first ? t : _first;
                _last = _last is null || t > _last ? t : _last;
            }
            if (r.IntegrationLatencyMs is { } l && (_latency is null || l > _latency))
            {
                _latency = l;
            }
            _errorType ??= r.ErrorType;
            _errorMessage ??= r.ErrorMessage;
            _evidence ??= r.Evidence;
            _note ??= r.Note;
            _problem ??= r.ResponseProblem;
            _account ??= r.AccountId;
            _region ??= r.Region;
            _group ??= r.LogGroup;
        }

        public Finding ToFinding(FindingKey key)
        {
            int? status = _statuses.Count == 0 ? null : _statuses.MaxBy(kv => kv.Value).Key;
            var facts = new FindingFacts(first.ApiType, first.LogKind, _errorType, _errorMessage, _latency, _problem, _account, _region, _group, _ids);
            return new Finding
            {
                Id = key.Id,
                Key = key,
                Count = _count,
                Status = status,
                ApiType = first.ApiType,
                LogKind = first.LogKind,
                ErrorType = _errorType,
                ErrorMessage = _errorMessage,
                IntegrationLatencyMs = _latency,
                RequestIds = _ids,
                FirstSeen = _first,
                LastSeen = _last,
                Evidence = _evidence,
                Note = _note,
                ResponseProblem = _problem,
                AccountId = _account,
                Region = _region,
                LogGroup = _group,
                Advice = AdviceBook.For(key, facts),
            };
        }
    }
}
