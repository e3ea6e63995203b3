complete -c mqtt-passwd -s H -d 'Hash to write: sha512-pbkdf2 ($7$, default), sha512 ($6$), or argon2id' -r
complete -c mqtt-passwd -s I -d 'PBKDF2 iterations for sha512-pbkdf2 [default: 210000; 1000 under the name mosquitto_passwd, as mosquitto 2.1]' -r
complete -c mqtt-passwd -s c -d 'Create a new password file (refused if it exists, as mosquitto 2.1); FILE `-` writes it to stdout'
complete -c mqtt-passwd -s D -d 'Delete USER from the file'
complete -c mqtt-passwd -s b -d 'Take the password from the command line (visible in ps; prefer --stdin)'
complete -c mqtt-passwd -s U -d 'Hash every plaintext password in FILE (entries already hashed are kept)'
complete -c mqtt-passwd -l verify -d 'Check USER\'s password: exit 0 when it matches, 1 when not or no such user'
complete -c mqtt-passwd -l print -d 'Write the `user:hash` line to stdout instead of a file'
complete -c mqtt-passwd -l stdin -d 'Read the password from stdin (one line), without prompts or echo'
complete -c mqtt-passwd -l help -d 'Print help'
complete -c mqtt-passwd -l version -d 'Print version'
