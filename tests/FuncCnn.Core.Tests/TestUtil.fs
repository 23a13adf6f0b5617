module FuncCnn.Core.Tests.TestUtil

open System.IO

/// The repository root: the nearest folder above the test binary that holds FuncCnn.sln.
let repoRoot =
    let rec up (d: DirectoryInfo) =
        if isNull d then failwith "FuncCnn.sln not found above the test binary"
        elif File.Exists(Path.Combine(d.FullName, "FuncCnn.sln")) then d.FullName
        else up d.Parent
    up (DirectoryInfo(System.AppContext.BaseDirectory))

/// ../shared next to the repository.
let sharedDir = Path.GetFullPath(Path.Combine(repoRoot, "..", "shared"))
