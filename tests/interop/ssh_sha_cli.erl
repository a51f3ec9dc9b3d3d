%% A channel for Erlang/OTP's ssh daemon (test_ssh_erlang.sh): it takes an
%% exec (or shell) request, reads the channel's data to its EOF, then answers
%% "SHA256HEX BYTES\n", exit status 0, EOF and CLOSE. The window is given back
%% as data is read, so the client may send as fast as the daemon goes.
-module(ssh_sha_cli).
-behaviour(ssh_server_channel).
-export([init/1, handle_msg/2, handle_ssh_msg/2, terminate/2]).

init(_Args) ->
    {ok, #{ctx => crypto:hash_init(sha256), n => 0}}.

handle_msg(_Msg, State) ->
    {ok, State}.

handle_ssh_msg({ssh_cm, Cm, {data, Ch, 0, Data}}, #{ctx := C, n := N} = State) ->
    ssh_connection:adjust_window(Cm, Ch, byte_size(Data)),
    {ok, State#{ctx := crypto:hash_update(C, Data), n := N + byte_size(Data)}};
handle_ssh_msg({ssh_cm, Cm, {exec, Ch, WantReply, _Cmd}}, State) ->
    ssh_connection:reply_request(Cm, WantReply, success, Ch),
    {ok, State};
handle_ssh_msg({ssh_cm, Cm, {shell, Ch, WantReply}}, State) ->
    ssh_connection:reply_request(Cm, WantReply, success, Ch),
    {ok, State};
handle_ssh_msg({ssh_cm, Cm, {eof, Ch}}, #{ctx := C, n := N} = State) ->
    Hex = string:lowercase(binary_to_list(binary:encode_hex(crypto:hash_final(C)))),
    ssh_connection:send(Cm, Ch, io_lib:format("~s ~b~n", [Hex, N])),
    ssh_connection:exit_status(Cm, Ch, 0),
    ssh_connection:send_eof(Cm, Ch),
    {stop, Ch, State};
handle_ssh_msg({ssh_cm, Cm, {_Req, Ch, WantReply, _}}, State) when is_boolean(WantReply) ->
    ssh_connection:reply_request(Cm, WantReply, success, Ch),
    {ok, State};
handle_ssh_msg(_Msg, State) ->
    {ok, State}.

terminate(_Reason, _State) ->
    ok.
