//! What each program on the default allow-list may be given and still run without asking: a
//! table per program of its options (which take a value, and whether that value is a file it
//! reads), of what its operands are, and of the options that would run another program.
//!
//! The rule is deny by default. An option the table does not know — a new one, an abbreviation
//! GNU would accept (`--compress` for `--compress-program`), one glued to its value — is not
//! guessed at: the command waits for the user. Every file a command reads must exist inside the
//! task folder; every other word that reads as a path must stay inside it.

use std::path::Path;

use crate::paths::confined_path;

/// What the shell rule decided about a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Runs at once, in the sandbox without network.
    Run,
    /// Waits for the user's approval, saying why.
    Ask(String),
    /// Never runs: it would start another program or leave the folder however it is approved.
    Refuse(String),
}

/// What a word given to a program is to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Text: a pattern, a number, a format, a file to create. If it reads as a path, it must
    /// stay inside the task folder.
    Word,
    /// A file or folder the program reads: it must exist inside the task folder.
    Input,
}

/// What a program's operands are, by position.
#[derive(Debug, Clone, Copy)]
enum Operands {
    Inputs,
    Words,
    /// A pattern or filter, then files (grep, jq); an archive to make, then files (zip).
    WordThenInputs,
    /// A file, then names or an output (uniq, unzip).
    InputThenWords,
    /// Files, the last one a destination (cp, mv).
    InputsThenWord,
}

/// One program's table.
struct Spec {
    program: &'static str,
    /// Short options as getopt spells them: a letter alone is a flag, `x:` takes a word, `x<` a
    /// file it reads, `x?` an optional value glued to it.
    short: &'static str,
    /// Long options, comma-separated: `name` a flag, `name=` a word, `name=<` a file it reads,
    /// `name=?` an optional value after `=`, `name=2` two words, `name=2<` a word and a file.
    long: &'static str,
    operands: Operands,
    /// `-5` (head, tail, fold, grep's context) or a negative number (seq) is a value, not an option.
    numeric: bool,
    /// Every word is text; nothing is an option (echo, printf).
    no_options: bool,
    /// Options that start another program or undo the folder's protection: never run.
    refuse_short: &'static str,
    refuse_long: &'static [&'static str],
}

const fn spec(
    program: &'static str,
    short: &'static str,
    long: &'static str,
    operands: Operands,
) -> Spec {
    Spec {
        program,
        short,
        long,
        operands,
        numeric: false,
        no_options: false,
        refuse_short: "",
        refuse_long: &[],
    }
}

const fn numeric(mut s: Spec) -> Spec {
    s.numeric = true;
    s
}

const fn free(mut s: Spec) -> Spec {
    s.no_options = true;
    s
}

const fn refusing(mut s: Spec, short: &'static str, long: &'static [&'static str]) -> Spec {
    s.refuse_short = short;
    s.refuse_long = long;
    s
}

use Operands::*;

/// The programs of the default allow-list, each with what it may be given.
const SPECS: &[Spec] = &[
    spec("base64", "diw:", "decode,ignore-garbage,wrap=", Inputs),
    spec("basename", "as:z", "multiple,suffix=,zero", Words),
    spec(
        "cat",
        "AbeEnstTuv",
        "show-all,number-nonblank,show-ends,number,squeeze-blank,show-tabs,show-nonprinting",
        Inputs,
    ),
    spec(
        "column",
        "tnexJLs:c:o:N:R:T:E:W:H:O:l:d",
        "table,separator=,output-separator=,table-columns=,table-right=,table-truncate=,table-noextreme=,table-wrap=,table-hide=,table-order=,output-width=,fillrows,json,keep-empty-lines,table-noheadings",
        Inputs,
    ),
    spec(
        "comm",
        "123iz",
        "check-order,nocheck-order,output-delimiter=,total,zero-terminated",
        Inputs,
    ),
    spec(
        "cp",
        "aRrdfHiLlnPpsTuvxt:S:b",
        "archive,recursive,force,interactive,dereference,no-dereference,no-clobber,preserve=?,no-preserve=,parents,target-directory=,no-target-directory,update=?,verbose,backup=?,suffix=,strip-trailing-slashes,remove-destination,attributes-only,sparse=,reflink=?,one-file-system",
        InputsThenWord,
    ),
    spec(
        "cut",
        "b:c:d:f:nsz",
        "bytes=,characters=,delimiter=,fields=,complement,only-delimited,output-delimiter=,zero-terminated",
        Inputs,
    ),
    spec(
        "date",
        "d:f<r<uRI?",
        "date=,file=<,reference=<,iso-8601=?,rfc-3339=,rfc-email,utc,universal,debug",
        Words,
    ),
    numeric(spec(
        "diff",
        "iEZbwBqsyuctNarpTlU:C:W:x:X<L:F:I:",
        "normal,brief,report-identical-files,context=?,unified=?,side-by-side,width=,left-column,suppress-common-lines,recursive,new-file,unidirectional-new-file,text,ignore-case,ignore-tab-expansion,ignore-trailing-space,ignore-space-change,ignore-all-space,ignore-blank-lines,ignore-matching-lines=,strip-trailing-cr,label=,exclude=,exclude-from=<,expand-tabs,initial-tab,minimal,speed-large-files,color=?,no-dereference,show-c-function,show-function-line=,tabsize=",
        Inputs,
    )),
    spec("dirname", "z", "zero", Words),
    spec(
        "du",
        "0abcDhHklLmPsSxd:B:t:X<",
        "null,all,apparent-size,block-size=,bytes,total,dereference-args,max-depth=,human-readable,inodes,dereference,no-dereference,separate-dirs,si,summarize,threshold=,time=?,time-style=,exclude-from=<,exclude=,one-file-system,count-links,files0-from=<",
        Inputs,
    ),
    free(spec("echo", "", "", Words)),
    spec("expand", "it:", "initial,tabs=", Inputs),
    spec(
        "file",
        "bcEhiklLNprsSz0F:e:P:m<f<",
        "brief,mime,mime-type,mime-encoding,no-dereference,dereference,keep-going,raw,special-files,uncompress,uncompress-noreport,extension,separator=,exclude=,magic-file=<,files-from=<,print0,no-pad,no-buffer,preserve-date",
        Inputs,
    ),
    numeric(spec("fold", "bsw:", "bytes,spaces,width=", Inputs)),
    numeric(spec(
        "grep",
        "EFGPiyvwxcLlnHhoqsabTrRzUZIe:f<m:A:B:C:d:D:",
        "extended-regexp,fixed-strings,basic-regexp,perl-regexp,regexp=,file=<,ignore-case,no-ignore-case,word-regexp,line-regexp,null-data,no-messages,invert-match,count,color=?,colour=?,files-without-match,files-with-matches,max-count=,only-matching,quiet,silent,byte-offset,with-filename,no-filename,label=,line-number,initial-tab,null,after-context=,before-context=,context=,text,binary-files=,recursive,dereference-recursive,include=,exclude=,exclude-from=<,exclude-dir=,directories=,devices=,line-buffered",
        WordThenInputs,
    )),
    spec(
        "gunzip",
        "cfhklLnNqrtvS:",
        "stdout,to-stdout,force,keep,list,no-name,name,quiet,recursive,test,verbose,suffix=",
        Inputs,
    ),
    spec(
        "gzip",
        "cdfhklLnNqrtv123456789S:",
        "stdout,to-stdout,decompress,uncompress,force,keep,list,no-name,name,quiet,recursive,test,verbose,fast,best,suffix=,rsyncable,synchronous",
        Inputs,
    ),
    numeric(spec(
        "head",
        "qvzn:c:",
        "lines=,bytes=,quiet,silent,verbose,zero-terminated",
        Inputs,
    )),
    spec(
        "jq",
        "rcsnejaSCMRL<f<",
        "raw-output,compact-output,slurp,null-input,exit-status,join-output,ascii-output,sort-keys,color-output,monochrome-output,raw-input,tab,indent=,stream,stream-errors,seq,arg=2,argjson=2,slurpfile=2<,rawfile=2<,from-file=<,raw-output0",
        WordThenInputs,
    ),
    spec(
        "join",
        "izea:e:j:o:t:v:1:2:",
        "ignore-case,check-order,nocheck-order,header,zero-terminated",
        Inputs,
    ),
    spec(
        "ls",
        "aAbBcCdfFgGhHiklLmnNopqQrRsStuUvxXZ1w:I:T:",
        "all,almost-all,author,escape,block-size=,ignore-backups,color=?,directory,dired,classify=?,file-type,format=,full-time,group-directories-first,no-group,human-readable,si,dereference-command-line,hide=,hyperlink=?,indicator-style=,inode,ignore=,kibibytes,dereference,literal,numeric-uid-gid,hide-control-chars,show-control-chars,quote-name,quoting-style=,reverse,recursive,size,sort=,time=,time-style=,tabsize=,width=,context,zero",
        Inputs,
    ),
    spec(
        "md5sum",
        "bctwz",
        "binary,check,tag,text,zero,ignore-missing,quiet,status,strict,warn",
        Inputs,
    ),
    spec("mkdir", "pvm:", "parents,verbose,mode=", Words),
    spec(
        "mv",
        "bfinTuvt:S:",
        "backup=?,force,interactive,no-clobber,strip-trailing-slashes,suffix=,target-directory=,no-target-directory,update=?,verbose",
        InputsThenWord,
    ),
    spec(
        "nl",
        "pb:d:f:h:i:l:n:s:v:w:",
        "body-numbering=,section-delimiter=,footer-numbering=,header-numbering=,line-increment=,join-blank-lines=,number-format=,no-renumber,number-separator=,starting-line-number=,number-width=",
        Inputs,
    ),
    spec(
        "od",
        "bcdfiloxsvA:j:N:t:w?S?",
        "address-radix=,endian=,skip-bytes=,read-bytes=,format=,output-duplicates,strings=?,width=?,traditional",
        Inputs,
    ),
    spec(
        "paste",
        "szd:",
        "serial,zero-terminated,delimiters=",
        Inputs,
    ),
    free(spec("printf", "", "", Words)),
    spec("pwd", "LP", "logical,physical", Words),
    spec(
        "rm",
        "fiIrRdv",
        "force,interactive=?,one-file-system,preserve-root,recursive,dir,verbose",
        Inputs,
    ),
    spec(
        "rmdir",
        "pv",
        "ignore-fail-on-non-empty,parents,verbose",
        Inputs,
    ),
    numeric(spec(
        "seq",
        "wf:s:",
        "format=,separator=,equal-width",
        Words,
    )),
    spec(
        "sha256sum",
        "bctwz",
        "binary,check,tag,text,zero,ignore-missing,quiet,status,strict,warn",
        Inputs,
    ),
    refusing(
        spec(
            "sort",
            "bdfgiMhnRrVcCmsuzk:t:o:S:T<",
            "ignore-leading-blanks,dictionary-order,ignore-case,general-numeric-sort,ignore-nonprinting,month-sort,human-numeric-sort,numeric-sort,random-sort,random-source=<,reverse,sort=,version-sort,batch-size=,check=?,debug,files0-from=<,key=,merge,output=,stable,buffer-size=,field-separator=,temporary-directory=<,parallel=,unique,zero-terminated",
            Inputs,
        ),
        "",
        &["compress-program"],
    ),
    spec(
        "stat",
        "LftZc:",
        "dereference,file-system,format=,printf=,terse,cached=",
        Inputs,
    ),
    numeric(spec(
        "tail",
        "fFqvzn:c:s:",
        "follow=?,lines=,bytes=,quiet,silent,verbose,zero-terminated,retry,sleep-interval=,max-unchanged-stats=",
        Inputs,
    )),
    spec(
        "touch",
        "acmhfd:t:r<",
        "no-create,date=,no-dereference,reference=<,time=",
        Words,
    ),
    spec(
        "tr",
        "cCdst",
        "complement,delete,squeeze-repeats,truncate-set1",
        Words,
    ),
    free(spec("true", "", "", Words)),
    spec(
        "uniq",
        "cdDiuzf:s:w:",
        "count,repeated,all-repeated=?,skip-fields=,ignore-case,skip-chars=,unique,zero-terminated,check-chars=,group=?",
        InputThenWords,
    ),
    refusing(
        spec("unzip", "lvtzZoqnjCaXKMULfuxd:P:", "", InputThenWords),
        ":^",
        &[],
    ),
    spec(
        "wc",
        "lwcmL",
        "lines,words,bytes,chars,max-line-length,files0-from=<,total=",
        Inputs,
    ),
    refusing(
        spec(
            "zip",
            "rRqjmudfvlDXyoAJFUgeNzwS0123456789b<n:t:x:i:P:O:s:",
            "recurse-paths,quiet,junk-paths,move,update,delete,freshen,verbose,no-dir-entries,no-extra,symlinks,latest-time,adjust-sfx,junk-sfx,fix,fixfix,grow,encrypt,suffixes=,exclude=,include=,password=,output-file=,split-size=",
            WordThenInputs,
        ),
        "T",
        &["test", "unzip-command", "test-command", "tt"],
    ),
];

/// What running `argv` (an allow-listed program) in `task_dir` needs, by the program's table.
/// `None` when the program has no table (the user added it to the allow-list): the caller
/// applies the general rule.
pub fn verdict(argv: &[String], task_dir: &Path) -> Option<Verdict> {
    let spec = SPECS.iter().find(|s| s.program == argv[0])?;
    Some(match words(spec, &argv[1..]) {
        Ok(words) => check_words(&words, task_dir),
        Err(v) => v,
    })
}

/// The words of a command that name something, with what they are; or why it cannot run as is.
fn words(spec: &Spec, args: &[String]) -> Result<Vec<(String, Kind)>, Verdict> {
    let program = spec.program;
    if spec.no_options {
        return Ok(args.iter().map(|a| (a.clone(), Kind::Word)).collect());
    }
    let mut out = Vec::new();
    let mut operands = Vec::new();
    let mut args = args.iter();
    let mut options_done = false;
    while let Some(arg) = args.next() {
        if options_done || arg == "-" || !arg.starts_with('-') {
            operands.push(arg.clone());
            continue;
        }
        if arg == "--" {
            options_done = true;
            continue;
        }
        if spec.numeric && arg[1..].chars().all(|c| c.is_ascii_digit() || c == '.') {
            continue;
        }
        if let Some(long) = arg.strip_prefix("--") {
            let (name, glued) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_owned())),
                None => (long, None),
            };
            if spec.refuse_long.contains(&name) {
                return Err(Verdict::Refuse(format!(
                    "{program} --{name} runs another program; it is never allowed"
                )));
            }
            let Some(arity) = long_option(spec.long, name) else {
                return Err(unknown(program, arg));
            };
            match (arity, glued) {
                (LongArity::Flag, None) => {}
                (LongArity::Flag, Some(_)) => return Err(unknown(program, arg)),
                (LongArity::Optional, value) => {
                    out.extend(value.map(|v| (v, Kind::Word)));
                }
                (LongArity::Values(kinds), glued) => {
                    let mut glued = glued;
                    for kind in kinds {
                        let value = match glued.take() {
                            Some(v) => v,
                            None => args.next().cloned().ok_or_else(|| missing(program, arg))?,
                        };
                        out.push((value, *kind));
                    }
                }
            }
            continue;
        }
        // A cluster of short options: `-la`, `-n5`, `-t,`, `-TT`.
        let cluster = &arg[1..];
        for (at, letter) in cluster.char_indices() {
            if spec.refuse_short.contains(letter) {
                return Err(Verdict::Refuse(format!(
                    "{program} -{letter} runs another program or lifts the folder's protection; it is never allowed"
                )));
            }
            let Some(kind) = short_option(spec.short, letter) else {
                return Err(unknown(program, arg));
            };
            let rest = &cluster[at + letter.len_utf8()..];
            match kind {
                ShortArity::Flag => continue,
                ShortArity::Optional => {
                    if !rest.is_empty() {
                        out.push((rest.to_owned(), Kind::Word));
                    }
                }
                ShortArity::Value(kind) => {
                    let value = if rest.is_empty() {
                        args.next().cloned().ok_or_else(|| missing(program, arg))?
                    } else {
                        rest.to_owned()
                    };
                    out.push((value, kind));
                }
            }
            break;
        }
    }
    let n = operands.len();
    for (i, operand) in operands.into_iter().enumerate() {
        let kind = match spec.operands {
            Inputs => Kind::Input,
            Words => Kind::Word,
            WordThenInputs if i == 0 => Kind::Word,
            WordThenInputs => Kind::Input,
            InputThenWords if i == 0 => Kind::Input,
            InputThenWords => Kind::Word,
            InputsThenWord if i + 1 == n && n > 1 => Kind::Word,
            InputsThenWord => Kind::Input,
        };
        if operand != "-" {
            out.push((operand, kind));
        }
    }
    Ok(out)
}

fn unknown(program: &str, option: &str) -> Verdict {
    Verdict::Ask(format!(
        "{program} {option} is not an option Miteos knows to be safe"
    ))
}

fn missing(program: &str, option: &str) -> Verdict {
    Verdict::Ask(format!("{program} {option} is missing its value"))
}

enum ShortArity {
    Flag,
    Optional,
    Value(Kind),
}

fn short_option(table: &str, letter: char) -> Option<ShortArity> {
    let mut chars = table.chars().peekable();
    while let Some(c) = chars.next() {
        let arity = match chars.peek() {
            Some(':') => Some(ShortArity::Value(Kind::Word)),
            Some('<') => Some(ShortArity::Value(Kind::Input)),
            Some('?') => Some(ShortArity::Optional),
            _ => None,
        };
        if arity.is_some() {
            chars.next();
        }
        if c == letter {
            return Some(arity.unwrap_or(ShortArity::Flag));
        }
    }
    None
}

enum LongArity {
    Flag,
    Optional,
    Values(&'static [Kind]),
}

fn long_option(table: &'static str, name: &str) -> Option<LongArity> {
    table.split(',').find_map(|entry| {
        let (option, arity) = entry.split_once('=').unwrap_or((entry, "-"));
        (option == name).then_some(match arity {
            "-" => LongArity::Flag,
            "?" => LongArity::Optional,
            "<" => LongArity::Values(&[Kind::Input]),
            "2" => LongArity::Values(&[Kind::Word, Kind::Word]),
            "2<" => LongArity::Values(&[Kind::Word, Kind::Input]),
            _ => LongArity::Values(&[Kind::Word]),
        })
    })
}

/// Checks each word against the task folder.
fn check_words(words: &[(String, Kind)], task_dir: &Path) -> Verdict {
    for (word, kind) in words {
        if let Some(why) = outside(word, *kind, task_dir) {
            return Verdict::Ask(why);
        }
    }
    Verdict::Run
}

/// Why `word` reaches outside the task folder, if it does.
fn outside(word: &str, kind: Kind, task_dir: &Path) -> Option<String> {
    if word.is_empty() {
        return None;
    }
    if word.starts_with('~') {
        return Some(format!("{word:?} reaches outside the task folder"));
    }
    match confined_path(task_dir, word) {
        Err(_) => Some(format!("{word:?} reaches outside the task folder")),
        Ok(path) if kind == Kind::Input && std::fs::symlink_metadata(&path).is_err() => {
            Some(format!("{word:?} is not a file in the task folder"))
        }
        Ok(_) => None,
    }
}

/// The rule for a word of a program without a table: it must stay inside the folder.
pub fn outside_word(word: &str, task_dir: &Path) -> Option<String> {
    outside(word, Kind::Word, task_dir)
}

#[cfg(test)]
mod tests;
