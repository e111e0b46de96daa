package main

var serveCmd = command{}
