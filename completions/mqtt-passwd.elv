
use builtin;
use str;

set edit:completion:arg-completer[mqtt-passwd] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'mqtt-passwd'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'mqtt-passwd'= {
            cand -H 'Hash to write: sha512-pbkdf2 ($7$, default), sha512 ($6$), or argon2id'
            cand -I 'PBKDF2 iterations for sha512-pbkdf2 [default: 210000; 1000 under the name mosquitto_passwd, as mosquitto 2.1]'
            cand -c 'Create a new password file (refused if it exists, as mosquitto 2.1); FILE `-` writes it to stdout'
            cand -D 'Delete USER from the file'
            cand -b 'Take the password from the command line (visible in ps; prefer --stdin)'
            cand -U 'Hash every plaintext password in FILE (entries already hashed are kept)'
            cand --verify 'Check USER''s password: exit 0 when it matches, 1 when not or no such user'
            cand --print 'Write the `user:hash` line to stdout instead of a file'
            cand --stdin 'Read the password from stdin (one line), without prompts or echo'
            cand --help 'Print help'
            cand --version 'Print version'
        }
    ]
    $completions[$command]
}
