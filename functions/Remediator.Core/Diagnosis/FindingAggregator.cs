using Remediator.Core.Advice;

namespace Remediator.Core.Diagnosis;

/// <summary>Folds failed requests into findings; its memory grows with distinct findings, not with requests.</summary>
public sealed class FindingAggregator
{
    private readonly Dictionary<FindingKey, Accumulator> _byKey = [];

    public long Failed { get; private set; }
    public long Unclassified { get; private set; }

    public void Add(FailedRequest request)
    {
        Failed++;
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

    /// <summary>The findings, most frequent first (ties: earliest first, then by id so that output is stable).</summary>
    public IReadOnlyList<Finding> Findings() =>
        _byKey.Select(kv => kv.Value.ToFinding(kv.Key))
            .OrderByDescending(f => f.Count)
            .ThenBy(f => f.FirstSeen ?? DateTimeOffset.MaxValue)
            .ThenBy(f => f.Id, StringComparer.Ordinal)
            .ToList();

    private sealed class Accumulator(FailedRequest first)
    {
        private readonly List<string> _ids = [];
        private readonly Dictionary<int, int> _statuses = [];
        private int _count;
        private DateTimeOffset? _first, _last;
        private long? _latency;
        private string? _errorType = first.ErrorType, _errorMessage = first.ErrorMessage, _evidence = first.Evidence,
            _note = first.Note, _problem = first.ResponseProblem, _account = first.AccountId, _region = first.Region, _group = first.LogGroup;

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
