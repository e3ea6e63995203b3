
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'mqtt-passwd' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'mqtt-passwd'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'mqtt-passwd' {
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Hash to write: sha512-pbkdf2 ($7$, default), sha512 ($6$), or argon2id')
            [CompletionResult]::new('-I', '-I ', [CompletionResultType]::ParameterName, 'PBKDF2 iterations for sha512-pbkdf2 [default: 210000; 1000 under the name mosquitto_passwd, as mosquitto 2.1]')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Create a new password file (refused if it exists, as mosquitto 2.1); FILE `-` writes it to stdout')
            [CompletionResult]::new('-D', '-D ', [CompletionResultType]::ParameterName, 'Delete USER from the file')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Take the password from the command line (visible in ps; prefer --stdin)')
            [CompletionResult]::new('-U', '-U ', [CompletionResultType]::ParameterName, 'Hash every plaintext password in FILE (entries already hashed are kept)')
            [CompletionResult]::new('--verify', '--verify', [CompletionResultType]::ParameterName, 'Check USER''s password: exit 0 when it matches, 1 when not or no such user')
            [CompletionResult]::new('--print', '--print', [CompletionResultType]::ParameterName, 'Write the `user:hash` line to stdout instead of a file')
            [CompletionResult]::new('--stdin', '--stdin', [CompletionResultType]::ParameterName, 'Read the password from stdin (one line), without prompts or echo')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
