module github.com/hearth-fleet/hearth

go 1.26
