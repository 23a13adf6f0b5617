/// `fuzz`: thousands of seeded mutants (FuncCnn.Core.Fuzz) through every reader: model files (raw,
/// with a valid checksum, and read from disk), PNG/JPEG/BMP images, safetensors, ONNX, Keras HDF5,
/// IDX, .npy and stroke files. Every mutant must load or fail with a FuncCnnException within the
/// engine's time and allocation caps; a failure prints the mutant's seed. Exit code 1 on any failure.
module FuncCnn.Bench.FuzzBench

open System
open System.IO
open FuncCnn
open FuncCnn.Core

/// The repository root (the folder above the binary that holds FuncCnn.sln), for fixtures.
let private repoRoot =
    let rec up (d: DirectoryInfo) =
        if isNull d then None
        elif File.Exists(Path.Combine(d.FullName, "FuncCnn.sln")) then Some d.FullName
        else up d.Parent
    up (DirectoryInfo AppContext.BaseDirectory)

/// Every reader of the shared corpus, with the torch ONNX fixture and the notebook's Keras file when found.
let private targets (dir: string) =
    let under (parts: string list) = repoRoot |> Option.map (fun root -> Path.Combine(root :: parts |> Array.ofList))
    FuzzCorpus.targets dir (under [ "tests"; "fixtures"; "onnx"; "torch_cnn.onnx" ]) (under [ ".."; "shared"; "models"; "keras"; "mlp_model.h5" ])

/// Runs `cases` mutants per reader from seed `seed`; prints a line per reader (and per failure)
/// and a JSON summary line. Returns the exit code.
let run (cases: int) (seed: int) (only: string option) =
    let dir = Directory.CreateTempSubdirectory("funccnn-fuzz-").FullName
    try
        let reports =
            [ for t in targets dir do
                if only |> Option.forall (fun o -> t.Name.Contains(o, StringComparison.OrdinalIgnoreCase)) then
                    let r = Fuzz.run t.Name seed cases t.Original t.Read
                    printfn "%s" (Fuzz.describe r)
                    yield r ]
        let failures = reports |> List.sumBy (fun r -> r.Failures.Length)
        let total = reports |> List.sumBy (fun r -> r.Cases)
        printfn "{\"bench\":\"fuzz\",\"readers\":%d,\"mutants\":%d,\"failures\":%d,\"seconds\":%.1f,\"slowest_case_s\":%.3f,\"max_allocated_kb\":%d}"
            reports.Length total failures (reports |> List.sumBy (fun r -> r.Seconds))
            (reports |> List.map (fun r -> r.SlowestSeconds) |> List.fold max 0.0)
            ((reports |> List.map (fun r -> r.MaxAllocatedBytes) |> List.fold max 0L) / 1024L)
        if failures > 0 then 1 else 0
    finally
        try Directory.Delete(dir, true) with _ -> ()
