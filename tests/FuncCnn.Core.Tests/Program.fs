/// The F# suite's runner: every [<Tests>] value in this assembly, with Expecto's own command-line
/// options (--filter, --summary, --junit-summary FILE, --sequenced, --help ...).
module FuncCnn.Core.Tests.Program

open Expecto

[<EntryPoint>]
let main argv =
    // test names joined with "/", the separator --filter splits on (fixture file names hold dots)
    runTestsInAssemblyWithCLIArgs [ CLIArguments.JoinWith "/" ] argv
