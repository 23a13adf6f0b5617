using System.CommandLine;
using FuncCnn.Cli;

// funccnn: train, evaluate, predict, summarize, benchmark and demo FuncCnn models.
// Exit codes: 0 success, 1 failure (with the cause), 2 usage error, 130 training interrupted by Ctrl+C (what was trained is saved).
bool verbose = args.Contains("--verbose");
var root = Commands.Root();
var parse = root.Parse(args);
if (parse.Errors.Count > 0) return Errors.Usage(Errors.ParseErrorMessage(root, args, parse.Errors.Select(e => e.Message).ToList()));
try
{
    // Ctrl+C is handled by the commands themselves (training stops after the current batch).
    return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
}
catch (Exception e)
{
    return Errors.Report(e, verbose);
}
