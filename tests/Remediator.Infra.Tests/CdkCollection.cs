// CDK synthesis runs jsii in-process; two syntheses at once in one test process clash, so every infra test class
// runs one after another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
