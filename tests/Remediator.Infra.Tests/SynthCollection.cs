namespace Remediator.Infra.Tests;

/// <summary>CDK synthesis runs one jsii process per test host and clashes when test classes synthesize in parallel:
/// every class that synthesizes joins this collection.</summary>
[CollectionDefinition(Name)]
public sealed class SynthCollection
{
    public const string Name = "cdk-synth";
}
