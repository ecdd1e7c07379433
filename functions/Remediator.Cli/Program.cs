using Remediator.Cli;

return RemediatorCommand.Run(args, Console.In, Console.Out, Console.Error, Console.OpenStandardInput);
