module github.com/sipgw/sipgw

go 1.26.8
