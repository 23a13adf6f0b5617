module FuncCnn.Core.Tests.TestUtil

open System
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

// ---- assertions the Expect module lacks (all fail through Expecto's failtest)

open Expecto

/// Runs f and returns the exception it raised, which must be exactly of type 'e.
let throws<'e when 'e :> exn> (f: unit -> unit) : 'e =
    let raised = try f (); None with e -> Some e
    match raised with
    | Some(:? 'e as e) when e.GetType() = typeof<'e> -> e
    | Some e -> failtestf "expected %s, got %s: %s" typeof<'e>.Name (e.GetType().Name) e.Message
    | None -> failtestf "expected %s, nothing was raised" typeof<'e>.Name

/// Runs f and returns the exception it raised, which must be an 'e or derive from it.
let throwsAny<'e when 'e :> exn> (f: unit -> unit) : 'e =
    let raised = try f (); None with e -> Some e
    match raised with
    | Some(:? 'e as e) -> e
    | Some e -> failtestf "expected %s or a subtype, got %s: %s" typeof<'e>.Name (e.GetType().Name) e.Message
    | None -> failtestf "expected %s, nothing was raised" typeof<'e>.Name

/// lo <= actual <= hi.
let inRange (lo: 'a) (hi: 'a) (actual: 'a) =
    if not (actual >= lo && actual <= hi) then failtestf "%A is outside [%A, %A]" actual lo hi

/// expected and actual agree when both are rounded to `digits` decimal places.
let inline equalDigits (digits: int) expected actual =
    let e, a = Math.Round(float expected, digits), Math.Round(float actual, digits)
    if e <> a then failtestf "%.17g differs from the expected %.17g at %d decimal places" (float actual) (float expected) digits

/// A test that flips a process-wide setting (thread count, SIMD path): Expecto runs it alone,
/// after the parallel tests.
let sequencedCase (name: string) (body: unit -> unit) = testCase name body |> testSequenced
