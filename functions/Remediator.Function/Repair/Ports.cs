using Remediator.Core.Diagnosis;
using Remediator.Core.Repair;

namespace Remediator.Function.Repair;

/// <summary>API Gateway's own view of an API: which functions it integrates with. Real one: <see cref="Aws.ApiGatewayClient"/>.</summary>
public interface IApiGatewayConfig
{
    /// <param name="apiType">REST or HTTP when the log says; null to ask REST first, then HTTP.</param>
    Task<ApiIntegrations> GetAsync(string apiId, string? stage, ApiType? apiType, DateTimeOffset deadline, CancellationToken ct);
}

/// <summary>A function's resource policy as GetPolicy returns it; <see cref="Json"/> is null when there is none (a 404).</summary>
public sealed record FunctionPolicy(string? Json, string? RevisionId);

/// <summary>Lambda's resource policies and tags. Real one: <see cref="Aws.LambdaClient"/>.</summary>
public interface IPermissionStore
{
    /// <summary>The policy of the function's qualifier (each alias or version has its own).</summary>
    Task<FunctionPolicy> GetPolicyAsync(FunctionRef function, DateTimeOffset deadline, CancellationToken ct);

    /// <summary>Adds the plan's statement, conditional on <paramref name="revisionId"/> when given.</summary>
    Task AddPermissionAsync(PermissionPlan plan, string? revisionId, DateTimeOffset deadline, CancellationToken ct);

    Task<IReadOnlyDictionary<string, string>> GetTagsAsync(FunctionRef function, DateTimeOffset deadline, CancellationToken ct);
}
