using Remediator.Core.Diagnosis;
using Remediator.Core.Repair;

namespace Remediator.Function.Repair;

/// <summary>
/// What repairs share within one invocation, and only within it: API Gateway's answers (an API's owner may re-point a
/// stage between deliveries, and a view kept longer once granted the function the stage used to invoke while the new
/// one stayed broken), and the budget of writes. Only an AddPermission call spends the budget: refusals cost nothing,
/// so findings forged by whoever can write to a log group cannot use it up before the real one.
/// </summary>
public sealed class RepairSession(int maxWrites)
{
    private readonly Dictionary<(string ApiId, string? Stage), ApiIntegrations> _apis = [];

    public int Writes { get; private set; }

    public int MaxWrites => maxWrites;

    /// <summary>The shared state table did not answer in this invocation: no policy is written (state_unavailable).</summary>
    public bool StateUnavailable { get; set; }

    /// <summary>Takes one write from the budget; false when it is spent.</summary>
    public bool TryTakeWrite()
    {
        if (Writes >= maxWrites)
        {
            return false;
        }
        Writes++;
        return true;
    }

    public async Task<ApiIntegrations> ApiAsync(IApiGatewayConfig apis, string apiId, string? stage, ApiType? apiType, DateTimeOffset deadline, CancellationToken ct)
    {
        if (!_apis.TryGetValue((apiId, stage), out var api))
        {
            api = await apis.GetAsync(apiId, stage, apiType, deadline, ct).ConfigureAwait(false);
            _apis[(apiId, stage)] = api;
        }
        return api;
    }
}
