module github.com/turbocode/switchboard

go 1.26
