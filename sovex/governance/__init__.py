"""The life cycle of an extract request: who asked, who approved what, what ran.

`transitions` holds the table of states and operations, `status` a request's records,
`errors` the refusals, `checks` the rule that applies now and the checks of user input,
`database` the SQLite tables, `store` the operations over them (`RequestStore`),
`snapshot` the approved-requests file the DAG reads, and `formatting` the text people read.
"""
