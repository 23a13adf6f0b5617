namespace FuncCnn

open System

/// The base of every error FuncCnn raises on purpose: catch this to catch them all.
type FuncCnnException =
    inherit Exception
    new(message: string) = { inherit Exception(message) }
    new(message: string, inner: exn) = { inherit Exception(message, inner) }

/// A tensor, layer or model received a shape it cannot work with.
type ShapeException =
    inherit FuncCnnException
    new(message: string) = { inherit FuncCnnException(message) }

/// A value is outside what an operation accepts (a negative rate, a label out of range, ...).
type InvalidValueException =
    inherit FuncCnnException
    new(message: string) = { inherit FuncCnnException(message) }

/// A data file (IDX, NPY, strokes) is missing, malformed or inconsistent.
type DataFormatException =
    inherit FuncCnnException
    val File: string
    new(file: string, message: string) = { inherit FuncCnnException(sprintf "%s: %s" file message); File = file }
    new(file: string, message: string, inner: exn) =
        { inherit FuncCnnException(sprintf "%s: %s" file message, inner); File = file }

/// Helpers that raise the library's own exceptions with formatted messages.
module internal Fail =
    let shape fmt = Printf.ksprintf (fun s -> raise (ShapeException s)) fmt
    let value fmt = Printf.ksprintf (fun s -> raise (InvalidValueException s)) fmt
    let data file fmt = Printf.ksprintf (fun s -> raise (DataFormatException(file, s))) fmt
