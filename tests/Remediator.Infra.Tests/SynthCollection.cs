namespace Remediator.Infra.Tests;

/// <summary>CDK synthesis in one process is not safe in parallel (jsii's shared runtime): every class that synthesizes
/// joins this collection, and so runs one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SynthCollection
{
    public const string Name = "cdk synth";
}
